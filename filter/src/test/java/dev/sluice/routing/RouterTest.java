package dev.sluice.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

class RouterTest {
    private final Router<String> router = new Router<>(List.of("/api", "/api/orders", "/static"), Function.identity());

    @Test
    void longestPrefixWins() {
        assertEquals("/api/orders", router.match("/api/orders/42"));
        assertEquals("/api", router.match("/api/customers"));
    }

    @Test
    void prefixMatchesWholeSegmentsOnly() {
        assertNull(router.match("/apix"));
        assertEquals("/api", router.match("/api/ordersx"));
    }

    @Test
    void exactPathMatches() {
        assertEquals("/api/orders", router.match("/api/orders"));
    }

    @Test
    void unmatchedPathGivesNothing() {
        assertNull(router.match("/"));
        assertNull(router.match("/index.html"));
    }

    @Test
    void rootRouteCatchesEverything() {
        Router<String> all = new Router<>(List.of("/", "/api"), Function.identity());
        assertEquals("/", all.match("/anything"));
        assertEquals("/api", all.match("/api/x"));
    }

    @Test
    void pathEndingInSlashMatchesItsPrefix() {
        assertEquals("/api/orders", router.match("/api/orders/"));
        assertEquals("/static", router.match("/static//x"));
    }

    @Test
    void ofTwoRoutesWithOnePrefixTheFirstWins() {
        Router<String> twice = new Router<>(List.of("/api#first", "/api#second"), r -> r.substring(0, r.indexOf('#')));
        assertEquals("/api#first", twice.match("/api/x"));
    }

    @Test
    void routesAreListedLongestPrefixFirst() {
        assertEquals(List.of("/api/orders", "/static", "/api"), router.routes());
    }

    @Test
    void everyOneOfThousandsOfRoutesIsFoundAtItsDepth() {
        List<String> prefixes = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            prefixes.add(i % 2 == 0 ? "/svc" + i : "/team-" + i % 7 + "/svc" + i);
        }
        Router<String> many = new Router<>(prefixes, Function.identity());
        for (String prefix : prefixes) {
            assertEquals(prefix, many.match(prefix + "/orders/1"));
        }
        assertNull(many.match("/svc1/orders"));
        assertNull(many.match("/team-1"));
    }
}
