package dev.sluice.testing;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Ready-made origin behaviours. */
public final class Handlers {
    private static final int BLOCK = 64 * 1024;

    private Handlers() {
    }

    /**
     * Reads the whole body, then answers 200 text listing what arrived: origin, method, target,
     * every header line, and the body's length and SHA-256.
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
            exchange.response().header("Content-Type", "text/plain;charset=UTF-8")
                    .send(text.toString().getBytes(StandardCharsets.UTF_8));
        };
    }

    public static TestOrigin.Handler fixed(int status, String contentType, byte[] body) {
        return exchange -> exchange.response().status(status, "Status").header("Content-Type", contentType).send(body);
    }

    /** Streams {@code length} deterministic bytes with a Content-Length, never holding more than a block. */
    public static TestOrigin.Handler bytes(long length) {
        return exchange -> {
            TestOrigin.Response response = exchange.response();
            response.header("Content-Type", "application/octet-stream");
            response.startFixed(length);
            byte[] block = new byte[BLOCK];
            for (long offset = 0; offset < length; offset += BLOCK) {
                int n = (int) Math.min(BLOCK, length - offset);
                fill(block, offset);
                response.write(n == BLOCK ? block : java.util.Arrays.copyOf(block, n));
            }
            response.flush();
        };
    }

    /** The SHA-256 (hex) of what {@link #bytes(long)} sends. */
    public static String expectedSha256(long length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] block = new byte[BLOCK];
            for (long offset = 0; offset < length; offset += BLOCK) {
                fill(block, offset);
                digest.update(block, 0, (int) Math.min(BLOCK, length - offset));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fill(byte[] block, long offset) {
        long x = offset * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < block.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            block[i] = (byte) x;
        }
    }

    /** Waits, then behaves as {@code then}. */
    public static TestOrigin.Handler delayed(long millis, TestOrigin.Handler then) {
        return exchange -> {
            Thread.sleep(millis);
            then.handle(exchange);
        };
    }

    /** Never answers; the connection stays open until the origin closes. */
    public static TestOrigin.Handler hang() {
        return exchange -> {
            Thread.sleep(Long.MAX_VALUE);
        };
    }
}
