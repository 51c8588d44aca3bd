package dev.sluice.testing;

import java.util.List;
import java.util.Map;

/**
 * A request as an origin received it: request line and headers exactly as sent, and the body as
 * length, SHA-256 and (up to 1 MiB) the bytes themselves. Body figures are filled in once the body
 * was read to its end, which the echo handler does before it answers.
 */
public final class RecordedRequest {
    private final String originName;
    private final String method;
    private final String target;
    private final List<Map.Entry<String, String>> headers;
    private final int remotePort;
    private volatile long bodyLength = -1;
    private volatile String bodySha256;
    private volatile byte[] body;

    RecordedRequest(String originName, String method, String target, List<Map.Entry<String, String>> headers, int remotePort) {
        this.originName = originName;
        this.method = method;
        this.target = target;
        this.headers = headers;
        this.remotePort = remotePort;
    }

    void bodyRead(long length, String sha256, byte[] bytes) {
        this.body = bytes;
        this.bodySha256 = sha256;
        this.bodyLength = length;
    }

    public String originName() {
        return originName;
    }

    public String method() {
        return method;
    }

    /** The request-target, byte for byte as received. */
    public String target() {
        return target;
    }

    /** Every header line in order, original case, duplicates kept. */
    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** The first value of a header (any case), or {@code null}. */
    public String header(String name) {
        return Http1.first(headers, name);
    }

    /** Every value of a header (any case), one per header line. */
    public List<String> headers(String name) {
        return Http1.all(headers, name);
    }

    /** The body's length, or -1 while it has not been read to its end. */
    public long bodyLength() {
        return bodyLength;
    }

    public String bodySha256() {
        return bodySha256;
    }

    /** The body bytes if it was at most 1 MiB, else {@code null}. */
    public byte[] body() {
        return body;
    }

    /** The origin-side port of the connection's peer: tells connections apart. */
    public int remotePort() {
        return remotePort;
    }

    @Override
    public String toString() {
        return method + " " + target + " at " + originName;
    }
}
