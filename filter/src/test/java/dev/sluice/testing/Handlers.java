package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Ready-made {@link TestOrigin} behaviours. */
public final class Handlers {
    private Handlers() {
    }

    /**
     * Reads the whole body, then answers 200 {@code text/plain} listing what arrived, one item a line:
     * {@code origin=}, {@code method=}, {@code target=}, every header line as {@code name: value}, then
     * {@code body-length=} and {@code body-sha256=}. The text is ISO-8859-1, so target and header
     * values come back byte for byte as received.
     */
    public static TestOrigin.Handler echo() {
        return exchange -> {
            exchange.body().transferTo(OutputStream.nullOutputStream());
            RecordedRequest request = exchange.request();
            StringBuilder text = new StringBuilder()
                    .append("origin=").append(request.originName()).append('\n')
                    .append("method=").append(request.method()).append('\n')
                    .append("target=").append(request.target()).append('\n');
            for (Map.Entry<String, String> header : request.headers()) {
                text.append(header.getKey()).append(": ").append(header.getValue()).append('\n');
            }
            text.append("body-length=").append(request.bodyLength()).append('\n')
                    .append("body-sha256=").append(request.bodySha256()).append('\n');
            exchange.response().header("Content-Type", "text/plain")
                    .send(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        };
    }

    /** Reads the whole body, then answers this status, Content-Type and body (with Content-Length). */
    public static TestOrigin.Handler fixed(int status, String contentType, byte[] body) {
        byte[] copy = body.clone();
        return exchange -> {
            exchange.body().transferTo(OutputStream.nullOutputStream());
            exchange.response().status(status, reasonPhrase(status)).header("Content-Type", contentType).send(copy);
        };
    }

    /**
     * Answers 200 {@code application/octet-stream} with {@code length} bytes of {@link #stream(long)}
     * and a Content-Length, generated as they are sent: any length works with a tiny heap.
     */
    public static TestOrigin.Handler bytes(long length) {
        return bytes(length, new AtomicLong());
    }

    /** As {@link #bytes(long)}, counting in {@code sent} the body bytes the socket has taken so far. */
    public static TestOrigin.Handler bytes(long length, AtomicLong sent) {
        return exchange -> {
            TestOrigin.Response response = exchange.response();
            response.header("Content-Type", "application/octet-stream").startFixed(length);
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = stream(length)) {
                for (int n; (n = in.read(buffer)) > 0;) {
                    response.write(buffer, 0, n);
                    response.flush();
                    sent.addAndGet(n);
                }
            }
        };
    }

    /**
     * The bytes {@link #bytes(long)} sends: deterministic pseudo-random bytes from a fixed seed,
     * generated on the fly. Also handy as a large request body.
     */
    public static InputStream stream(long length) {
        return new PseudoRandomBytes(length, 0x9E3779B97F4A7C15L);
    }

    /** As {@link #stream(long)}, from another seed: bodies that differ request by request. */
    public static InputStream stream(long length, long seed) {
        return new PseudoRandomBytes(length, seed == 0 ? 1 : seed); // xorshift stays at 0 forever
    }

    /** A small body with a pattern that any lost, doubled or reordered byte breaks. */
    public static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }

    /** The SHA-256 (lower-case hex) of {@link #stream(long) stream(length)}. */
    public static String expectedSha256(long length) {
        try {
            return sha256(stream(length));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: nothing here does I/O
        }
    }

    /** The SHA-256 (lower-case hex) of everything left in the stream, which is then closed. */
    public static String sha256(InputStream in) throws IOException {
        MessageDigest digest = RecordingBody.sha256();
        try (in) {
            in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), digest));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Waits {@code millis}, then behaves as {@code then}. */
    public static TestOrigin.Handler delayed(long millis, TestOrigin.Handler then) {
        return exchange -> {
            Thread.sleep(millis);
            then.handle(exchange);
        };
    }

    /** Never answers: holds the connection until the peer or the origin closes it. */
    public static TestOrigin.Handler hang() {
        return TestOrigin.Exchange::awaitPeerClose;
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }

    /** An xorshift64 stream; one state, so the same length always yields the same bytes. */
    private static final class PseudoRandomBytes extends Http1.BulkInputStream {
        private long remaining;
        private long state;

        PseudoRandomBytes(long length, long seed) {
            this.remaining = length;
            this.state = seed;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = off; i < off + n; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                b[i] = (byte) state;
            }
            remaining -= n;
            return n;
        }
    }
}
