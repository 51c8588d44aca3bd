package dev.sluice.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sluice.config.Replacement;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The upstream's URLs as the client should see them. */
class LocationsTest {
    /** An upstream on 10.0.0.11:8080, a client at https://shop.example.com, under /app/api. */
    private record View(String clientOrigin, String prefix) implements ClientView {
        @Override
        public boolean namesUpstream(String host, int port) {
            return host.equalsIgnoreCase("10.0.0.11") && port == 8080 || host.equals("::1") && port == 9000;
        }
    }

    private static final View VIEW = new View("https://shop.example.com", "/app/api");

    private static String rewrite(String url) {
        return Locations.rewrite(url, List.of(), VIEW);
    }

    @Test
    void aPathAloneGetsThePrefixBack() {
        assertEquals("/app/api/login?next=/x", rewrite("/login?next=/x"));
    }

    @Test
    void theRootPathBecomesThePrefixWithItsSlash() {
        assertEquals("/app/api/", rewrite("/"));
    }

    @Test
    void aUrlNamingANodeGetsTheClientsOriginAndThePrefix() {
        assertEquals("https://shop.example.com/app/api/login#top", rewrite("http://10.0.0.11:8080/login#top"));
    }

    @Test
    void aNodeNamedInAnotherCaseIsStillTheNode() {
        assertEquals("https://shop.example.com/app/api/x", rewrite("HTTP://10.0.0.11:8080/x"));
    }

    @Test
    void aUrlNamingANodeWithoutAPathGetsTheRoot() {
        assertEquals("https://shop.example.com/app/api/?q=1", rewrite("http://10.0.0.11:8080?q=1"));
    }

    @Test
    void anIpv6NodeIsRecognisedInBrackets() {
        assertEquals("https://shop.example.com/app/api/x", rewrite("http://[::1]:9000/x"));
    }

    @Test
    void theSameHostOnAnotherPortIsNotTheUpstream() {
        assertSame("http://10.0.0.11:8081/x", rewrite("http://10.0.0.11:8081/x"));
    }

    @Test
    void aUrlToAnotherHostIsLeftAlone() {
        String url = "https://login.example.org/authorize?redirect_uri=http://10.0.0.11:8080/cb";
        assertSame(url, rewrite(url));
    }

    @Test
    void relativeReferencesAreLeftAlone() {
        for (String url : List.of("login", "../up", "?page=2", "#frag", "//10.0.0.11:8080/x", "mailto:a@b")) {
            assertSame(url, rewrite(url), url);
        }
    }

    @Test
    void aUrlWithUserInfoIsLeftAlone() {
        String url = "http://user@10.0.0.11:8080/x";
        assertSame(url, rewrite(url));
    }

    @Test
    void withoutAClientHostANodeUrlBecomesAPathUnderThePrefix() {
        assertEquals("/app/api/x", Locations.rewrite("http://10.0.0.11:8080/x", List.of(), new View(null, "/app/api")));
    }

    @Test
    void withoutAPrefixOnlyTheOriginChanges() {
        View view = new View("http://localhost:8080", "");
        assertEquals("http://localhost:8080/x", Locations.rewrite("http://10.0.0.11:8080/x", List.of(), view));
        assertSame("/x", Locations.rewrite("/x", List.of(), view));
    }

    @Test
    void theFirstMatchingMapEntryReplacesTheBeginningAndDecides() {
        List<Replacement> map = List.of(new Replacement("https://login.internal/", "https://login.example.com/"),
                new Replacement("/", "/elsewhere/"));
        assertEquals("https://login.example.com/start", Locations.rewrite("https://login.internal/start", map, VIEW));
        assertEquals("/elsewhere/x", Locations.rewrite("/x", map, VIEW), "the map comes before the prefix");
    }

    @Test
    void withoutAViewOnlyTheMapApplies() {
        assertSame("/x", Locations.rewrite("/x", List.of(new Replacement("http://other/", "/")), null));
    }

    @Test
    void aRefreshUrlIsRewrittenInPlace() {
        assertEquals("5; url=/app/api/next", Locations.refresh("5; url=/next", List.of(), VIEW));
        assertEquals("0;URL='https://shop.example.com/app/api/n'", Locations.refresh("0;URL='http://10.0.0.11:8080/n'", List.of(), VIEW));
        assertEquals("3, /app/api/n", Locations.refresh("3, /n", List.of(), VIEW));
    }

    @Test
    void aRefreshWithoutAUrlIsLeftAlone() {
        assertSame("30", Locations.refresh("30", List.of(), VIEW));
    }
}
