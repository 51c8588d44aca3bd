package dev.sluice.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class RequestPathsTest {

    @Test
    void ordinaryAndEncodedPathsAreUnambiguous() {
        for (String path : List.of("/", "/api/orders", "/a/b%2Bc", "/a+b", "/a%3Fb", "/a/.well-known", "/a/..b", "/a/b.")) {
            assertTrue(RequestPaths.isUnambiguous(path), path);
        }
    }

    @Test
    void dotSegmentsInAnyEncodingAreRefused() {
        for (String path : List.of("/api/../admin", "/api/./x", "/api/..", "/api/%2e%2e/admin", "/api/%2E./x",
                "/api/..%2Fadmin", "/api/..;/admin", "/api\\..\\admin", "/api/.%2e")) {
            assertFalse(RequestPaths.isUnambiguous(path), path);
        }
    }

    @Test
    void routesAreMatchedWithoutPathParametersAndEmptySegments() {
        assertEquals("/api/x", RequestPaths.forMatching("/api;v=1/x"));
        assertEquals("/api/x", RequestPaths.forMatching("//api//x"));
        assertEquals("/api", RequestPaths.forMatching("/api;jsessionid=ABC"));
        assertEquals("/api/x/", RequestPaths.forMatching("/api;a=1;b=2/x;c/"));
        String plain = "/api/x";
        assertTrue(plain == RequestPaths.forMatching(plain), "the path itself when there is nothing to take out");
    }

    @Test
    void aPrefixIsMatchedOnWholeSegmentsAsWritten() {
        assertTrue(RequestPaths.startsWithSegments("/api/x;v=1", "/api"));
        assertTrue(RequestPaths.startsWithSegments("/api", "/api"));
        assertFalse(RequestPaths.startsWithSegments("/api;v=1/x", "/api"));
        assertFalse(RequestPaths.startsWithSegments("/apix", "/api"));
        assertTrue(RequestPaths.startsWithSegments("//x", "/"));
    }

    @Test
    void contextPathIsRemovedAsSent() {
        assertEquals("/api/x", RequestPaths.inApplication("/shop/api/x", "/shop"));
        assertEquals("/", RequestPaths.inApplication("/shop", "/shop"));
        assertEquals("/api", RequestPaths.inApplication("/api", ""));
        assertNull(RequestPaths.inApplication("/sh%6Fp/api", "/shop"));
    }
}
