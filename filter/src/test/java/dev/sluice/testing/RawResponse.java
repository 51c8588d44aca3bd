package dev.sluice.testing;

import java.util.List;
import java.util.Map;

/**
 * A response as a raw client read it.
 *
 * @param status the status code
 * @param reason the reason phrase, possibly empty
 * @param headers every header line in order, original case
 * @param body the body bytes (de-chunked); empty for a head-only read
 * @param wasChunked whether it came chunked
 * @param bodyComplete whether the framing said the body ended, rather than the connection breaking first
 */
public record RawResponse(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
        boolean wasChunked, boolean bodyComplete) {

    /** The first value of a header (any case), or {@code null}. */
    public String header(String name) {
        return Http1.first(headers, name);
    }

    /** Every value of a header (any case). */
    public List<String> headers(String name) {
        return Http1.all(headers, name);
    }
}
