package dev.sluice.testing;

import java.util.List;
import java.util.Map;

/**
 * A request as a {@link TestOrigin} received it: request line and headers exactly as sent, and the
 * body as length, SHA-256 and (up to 1 MiB) the bytes themselves.
 *
 * <p>The body figures are filled in once the body has been read to its end, by the handler or by
 * the origin draining what the handler left; until then {@link #bodyLength()} is -1. A body cut
 * short by the peer never completes.
 */
public final class RecordedRequest {
    private final String originName;
    private final String method;
    private final String target;
    private final String version;
    private final List<Map.Entry<String, String>> headers;
    private final int remotePort;
    private volatile long bodyLength = -1;
    private volatile String bodySha256;
    private volatile byte[] body;

    RecordedRequest(String originName, String method, String target, String version,
            List<Map.Entry<String, String>> headers, int remotePort) {
        this.originName = originName;
        this.method = method;
        this.target = target;
        this.version = version;
        this.headers = List.copyOf(headers);
        this.remotePort = remotePort;
    }

    void bodyComplete(long length, String sha256, byte[] bytes) {
        body = bytes;
        bodySha256 = sha256;
        bodyLength = length; // written last: readers test it first
    }

    /** The name of the origin that received it. */
    public String originName() {
        return originName;
    }

    public String method() {
        return method;
    }

    /** The request-target, byte for byte as received (not decoded; ISO-8859-1 chars stand for bytes). */
    public String target() {
        return target;
    }

    /** The protocol version from the request line, e.g. {@code HTTP/1.1}. */
    public String version() {
        return version;
    }

    /** Every header line in order, original case, duplicates kept. */
    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** The first value of a header (name in any case), or {@code null}. */
    public String header(String name) {
        return Http1.first(headers, name);
    }

    /** Every value of a header (name in any case), one per header line. */
    public List<String> headers(String name) {
        return Http1.all(headers, name);
    }

    /** Whether the body has been read to its end, so the body figures are final. */
    public boolean isComplete() {
        return bodyLength >= 0;
    }

    /** The body's length, or -1 while it has not been read to its end. */
    public long bodyLength() {
        return bodyLength;
    }

    /** The body's SHA-256 in lower-case hex, or {@code null} while it has not been read to its end. */
    public String bodySha256() {
        return bodySha256;
    }

    /** The body bytes if complete and at most 1 MiB, else {@code null}. Larger bodies were only digested. */
    public byte[] body() {
        byte[] bytes = body;
        return bytes == null ? null : bytes.clone();
    }

    /** The peer's port on the origin's connection: requests with the same value shared a connection. */
    public int remotePort() {
        return remotePort;
    }

    @Override
    public String toString() {
        return method + " " + target + " at " + originName;
    }
}
