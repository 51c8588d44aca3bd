package dev.sluice.forwarding;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The short answer Sluice gives of its own when it cannot give the upstream's: the status and its
 * reason phrase as a plain-text body ({@code 502 Bad Gateway}). The one place that maps a status
 * to those bytes, for refusals on the request thread and for upstream failures alike.
 */
final class FailureAnswer {
    private static final String CONTENT_TYPE = "text/plain;charset=US-ASCII";
    private static final byte[] REQUEST_TIMEOUT = body(408, "Request Timeout");
    private static final byte[] TOO_MANY_REQUESTS = body(429, "Too Many Requests");
    private static final byte[] INTERNAL_ERROR = body(500, "Internal Server Error");
    private static final byte[] BAD_GATEWAY = body(502, "Bad Gateway");
    private static final byte[] SERVICE_UNAVAILABLE = body(503, "Service Unavailable");
    private static final byte[] GATEWAY_TIMEOUT = body(504, "Gateway Timeout");

    private FailureAnswer() {
    }

    /** The body of the short answer with this status. Shared: never write into it. */
    static byte[] body(int status) {
        return switch (status) {
            case 408 -> REQUEST_TIMEOUT;
            case 429 -> TOO_MANY_REQUESTS;
            case 500 -> INTERNAL_ERROR;
            case 502 -> BAD_GATEWAY;
            case 503 -> SERVICE_UNAVAILABLE;
            case 504 -> GATEWAY_TIMEOUT;
            default -> throw new IllegalArgumentException("status: no short answer for " + status);
        };
    }

    /**
     * Writes the whole answer, on a container thread that still owns the response. Headers of
     * its own (Retry-After, rate limits) the caller sets first.
     */
    static void write(HttpServletResponse response, int status) throws IOException {
        response.getOutputStream().write(head(response, status));
    }

    /**
     * Sets the head of the answer to an upstream failure, in place of whatever body had been
     * gathered, and returns the body for the caller to send its own way.
     */
    static byte[] upstreamFailed(HttpServletResponse response, UpstreamFailure cause, String via) {
        response.resetBuffer(); // a body gathered in part goes
        byte[] body = head(response, cause.status());
        response.setHeader("Via", via);
        if (cause.retryAfterSeconds() > 0) {
            response.setHeader("Retry-After", Integer.toString(cause.retryAfterSeconds()));
        }
        return body;
    }

    /** Sets the status and the body's type and length, and returns the body. */
    private static byte[] head(HttpServletResponse response, int status) {
        byte[] body = body(status);
        response.setStatus(status);
        response.setContentType(CONTENT_TYPE);
        response.setContentLength(body.length);
        return body;
    }

    private static byte[] body(int status, String reason) {
        return (status + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
