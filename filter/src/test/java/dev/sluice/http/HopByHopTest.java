package dev.sluice.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class HopByHopTest {

    @Test
    void fixedHopByHopHeadersInAnyCase() {
        for (String name : List.of("Connection", "keep-alive", "Proxy-Connection", "TE", "Transfer-Encoding",
                "Upgrade", "Trailer", "Proxy-Authorization", "Proxy-Authenticate", "Proxy-Anything")) {
            assertTrue(HopByHop.isHopByHop(name, Set.of()), name);
        }
    }

    @Test
    void endToEndHeadersPass() {
        for (String name : List.of("Content-Type", "Authorization", "Cookie", "Accept-Encoding", "X-Request-Id")) {
            assertFalse(HopByHop.isHopByHop(name, Set.of()), name);
        }
    }

    @Test
    void headersNamedByConnectionAreHopByHop() {
        Set<String> named = HopByHop.namedByConnection(List.of("close, X-Secret", " x-other ").iterator());
        assertTrue(HopByHop.isHopByHop("X-Secret", named));
        assertTrue(HopByHop.isHopByHop("x-secret", named));
        assertTrue(HopByHop.isHopByHop("X-OTHER", named));
        assertFalse(HopByHop.isHopByHop("X-Request-Id", named));
    }

    @Test
    void usualConnectionOptionsNameNoExtraHeaders() {
        assertTrue(HopByHop.namedByConnection(List.of("keep-alive", "Close", "Upgrade, TE").iterator()).isEmpty());
    }
}
