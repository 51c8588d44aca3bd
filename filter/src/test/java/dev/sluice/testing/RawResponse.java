package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A response as a {@link RawClient} read it. From {@link RawClient#readResponseHeadOnly()} the body
 * is empty and {@code bodyComplete} false: the body is then read from {@link RawClient#bodyStream()}.
 *
 * @param status the status code
 * @param reason the reason phrase, possibly empty
 * @param headers every header line in order, original case, duplicates kept
 * @param body the body bytes, de-chunked
 * @param wasChunked whether the body came with {@code Transfer-Encoding: chunked}
 * @param bodyComplete whether the framing said the body ended (for a close-delimited body: a clean
 *     EOF), rather than the connection closing or resetting first
 */
public record RawResponse(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
        boolean wasChunked, boolean bodyComplete) {

    /** The first value of a header (name in any case), or {@code null}. */
    public String header(String name) {
        return Http1.first(headers, name);
    }

    /** Every value of a header (name in any case), one per header line. */
    public List<String> headers(String name) {
        return Http1.all(headers, name);
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return status + " " + reason + " " + headers + " (" + body.length + " body bytes"
                + (wasChunked ? ", chunked" : "") + (bodyComplete ? "" : ", incomplete") + ")";
    }
}
