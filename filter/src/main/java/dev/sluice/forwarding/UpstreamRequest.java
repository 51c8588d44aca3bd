package dev.sluice.forwarding;

import dev.sluice.routing.Route;

import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;

/**
 * What the client's request makes of the upstream request besides its headers ({@link RequestHeaders}):
 * the request-target, and whether a body follows where none is declared. Static: the forwarder
 * needs the target before any exchange exists, for the outcome record and a WebSocket handshake.
 */
final class UpstreamRequest {
    private UpstreamRequest() {
    }

    /** The request-target sent upstream: the raw path as received, optionally without the prefix, and the raw query. */
    static String target(Route route, String pathInApplication, HttpServletRequest request) {
        String path = request.getRequestURI();
        if (route.settings().stripPrefix()) {
            String prefix = route.pathPrefix();
            path = prefix.length() == 1 ? pathInApplication : pathInApplication.substring(prefix.length());
            if (path.isEmpty()) {
                path = "/";
            }
        }
        String query = request.getQueryString();
        return query == null ? path : path + "?" + query;
    }

    /**
     * For a request without {@code Content-Length}: whether a body follows all the same. Over
     * HTTP/1.1 it is chunked. HTTP/2 has no chunked coding: a body sent as it is produced comes in
     * DATA frames with no length declared, and a request without a body ends its stream with its
     * headers, which the container reports as input already finished.
     */
    static boolean hasBodyOfUndeclaredLength(HttpServletRequest request) throws IOException {
        if (request.getHeader("Transfer-Encoding") != null) {
            return true;
        }
        return request.getProtocol().startsWith("HTTP/2") && !request.getInputStream().isFinished();
    }
}
