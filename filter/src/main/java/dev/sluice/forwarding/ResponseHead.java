package dev.sluice.forwarding;

import dev.sluice.http.HopByHop;

import jakarta.servlet.http.HttpServletResponse;

import java.util.Iterator;
import java.util.Set;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;

/**
 * The upstream's response head as the client gets it: the status, the end-to-end headers (hop-by-hop
 * ones and those the upstream's {@code Connection} names stay behind), this hop's {@code Via} after
 * the upstream's, and {@code Content-Length} only where it frames the body; then the upstream's
 * response rules and URL rewriting ({@link ResponseRewrite}), when it has any.
 */
final class ResponseHead {
    private ResponseHead() {
    }

    /**
     * Sets the upstream's head on the servlet response.
     *
     * @param via this hop's {@code Via} entry
     * @param hasBody whether the upstream's response has a body
     * @param contentLength the body's length, or -1 when it is not declared (chunked, or until the
     *        connection closes)
     * @param rewrite the exchange's changes to the head, or {@code null} when it has none
     */
    static void apply(HttpResponse upstream, HttpServletResponse response, String via, boolean hasBody, long contentLength,
            ResponseRewrite rewrite) {
        apply(upstream, response, via, hasBody, contentLength, rewrite, null, null);
    }

    /**
     * As {@link #apply(HttpResponse, HttpServletResponse, String, boolean, long, ResponseRewrite)},
     * with the request's id in its header in place of any the upstream sent (one value, ours).
     *
     * @param idHeader the request id's header, or {@code null} for none
     */
    static void apply(HttpResponse upstream, HttpServletResponse response, String via, boolean hasBody, long contentLength,
            ResponseRewrite rewrite, String idHeader, String id) {
        response.setStatus(upstream.getCode());
        Set<String> named = HopByHop.namedByConnection(headerValues(upstream, "Connection"));
        String upstreamVia = null;
        String length = null;
        for (Iterator<Header> it = upstream.headerIterator(); it.hasNext();) {
            Header header = it.next();
            String name = header.getName();
            if (name.equalsIgnoreCase("Via")) {
                upstreamVia = upstreamVia == null ? header.getValue() : upstreamVia + ", " + header.getValue();
            } else if (name.equalsIgnoreCase("Content-Length")) {
                length = header.getValue();
            } else if (!HopByHop.isHopByHop(name, named) && (rewrite == null || !rewrite.removes(name))
                    && (idHeader == null || !name.equalsIgnoreCase(idHeader))) {
                response.addHeader(name, rewrite == null ? header.getValue() : rewrite.value(name, header.getValue()));
            }
        }
        if (rewrite == null || !rewrite.removes("Via")) {
            response.setHeader("Via", upstreamVia == null ? via : upstreamVia + ", " + via);
        }
        if (idHeader != null) {
            response.setHeader(idHeader, id);
        }
        if (rewrite != null) {
            rewrite.setAndAdd(response);
        }
        // Last: once a gathered body has all its declared bytes, the container treats the response
        // as committed and ignores any header set after the length. Only a length that frames the
        // body: next to Transfer-Encoding it is wrong and must go (RFC 9112, 6.3), while an answer
        // without a body (HEAD, 304) keeps the length of the body it stands for.
        if (length != null && (!hasBody || contentLength >= 0)) {
            response.setHeader("Content-Length", length);
        }
    }

    private static Iterator<String> headerValues(HttpResponse response, String name) {
        Iterator<Header> headers = response.headerIterator(name);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return headers.hasNext();
            }

            @Override
            public String next() {
                return headers.next().getValue();
            }
        };
    }
}
