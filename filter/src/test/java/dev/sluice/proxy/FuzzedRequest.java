package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * One random HTTP/1.1 request as bytes, for {@link FuzzedRequestsTest}: a method (a token or
 * junk), a target near the routes (dot segments in every encoding, {@code %} junk, parameters,
 * long paths, bytes outside ASCII), headers (junk, duplicated Host, Content-Length and
 * Transfer-Encoding, huge values) and a body framed rightly or wrongly. It ends with
 * {@code Connection: close}, so the answer ends with the connection.
 */
final class FuzzedRequest {
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
        "PATCH", "TRACE", "CONNECT", "PROPFIND", "FOO", "get", "G@T", "", "GET GET", "\u00c9T", "X".repeat(300)};
    private static final String[] PREFIXES = {"/api", "/api", "/api", "/api/", "//api", "/api;v=1", "/./api", "/apix",
        "/%61pi", "/app", "", "/secret/../api", "/api/..", "/API"};
    private static final String[] SEGMENTS = {"/x", "/orders/1", "/.", "/..", "/%2e", "/%2E%2e", "/.%2e", "/%2e.",
        "/..;", "/..;x=1", "/%2f", "%2f..", "/%5c..", "/\\..", "/%", "/%zz", "/%0", "/%00", "/%C0%AE%C0%AE",
        ";a=b", ";", "/~user", "/a b", "/\u00e9", "/\u00ff\u0080", "/\u0001", "/secret", "?q=1", "?a=%", "?", "#f",
        "/\t", "/%25", "/*"};
    private static final String[] CONTENT_LENGTHS = {"-1", "+5", "0x10", "1e3", "99999999999999999999", " 3",
        "3, 3", "3,4", "", "abc"};
    private static final String[] TRANSFER_ENCODINGS = {"chunked", "Chunked", "chunked, chunked", "gzip, chunked",
        "chunked, gzip", "identity", "x", " chunked", "chunked\u0000"};
    private static final String[] HEADER_NAMES = {"X-A", "Accept", "Expect", "Connection", "Upgrade", "TE", "Trailer",
        "Forwarded", "X-Forwarded-For", "Via", "Keep-Alive", "Proxy-Connection", "Cookie", "X A", "X:A", "", "\u00e9",
        "X\u0000", "Content-Type", "Range", "If-None-Match", "Max-Forwards"};
    private static final String[] HEADER_VALUES = {"", " ", "1", "close", "keep-alive", "100-continue", "upgrade, x",
        "h2c", "trailers", "for=1.2.3.4", "\u00e9\u00ff", "a\u0000b", "a\u0001b", "bytes=0-1", "*", "a, , b",
        "deflate"};

    final String method;
    final byte[] bytes;
    /** The body length the origin should count, or -1 when the framing is wrong or ambiguous. */
    final long bodyLength;
    /** Whether the client stops sending after the request (a body shorter than declared). */
    final boolean halfClose;

    private FuzzedRequest(String method, byte[] bytes, long bodyLength, boolean halfClose) {
        this.method = method;
        this.bytes = bytes;
        this.bodyLength = bodyLength;
        this.halfClose = halfClose;
    }

    /**
     * @param context the application's context path, e.g. {@code /wirefuzz}
     */
    static FuzzedRequest random(Random random, String context, int port) {
        // Two in five requests are well formed, so that proxied answers are checked often too.
        boolean tame = random.nextInt(5) < 2;
        String method = tame ? pick(random, METHODS, 11) : pick(random, METHODS);
        StringBuilder target = new StringBuilder(random.nextInt(40) == 0 && !tame ? "*" : context + pick(random, PREFIXES));
        for (int n = random.nextInt(5); n > 0; n--) {
            target.append(tame ? pick(random, SEGMENTS, 2) : pick(random, SEGMENTS));
        }
        if (!tame && random.nextInt(30) == 0) {
            target.append('/').append("a".repeat(random.nextBoolean() ? 5_000 : 70_000));
        }
        if (random.nextInt(20) == 0) {
            target.insert(0, "http://localhost:" + port); // absolute form
        }
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        if (tame || random.nextInt(15) > 0) {
            head.append("Host: localhost:").append(port).append("\r\n");
        }
        if (!tame && random.nextInt(20) == 0) {
            head.append("Host: ").append(random.nextBoolean() ? "other" : "a b").append("\r\n");
        }
        for (int n = tame ? 0 : random.nextInt(4); n > 0; n--) {
            head.append(pick(random, HEADER_NAMES)).append(": ").append(headerValue(random)).append("\r\n");
        }
        if (!tame && random.nextInt(40) == 0) {
            head.append(" folded continuation\r\n");
        }
        if (!tame && random.nextInt(40) == 0) {
            head.append("NoColonHere\r\n");
        }
        byte[] body = randomBody(random);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        long expected = -1;
        boolean halfClose = false;
        switch (tame ? pick(random, new Integer[] {0, 3, 6}) : random.nextInt(9)) {
            case 0, 1, 2 -> expected = 0;
            case 3 -> {
                head.append("Content-Length: ").append(body.length).append("\r\n");
                rest.writeBytes(body);
                expected = body.length;
            }
            case 4 -> { // declares more than it sends, then stops sending
                head.append("Content-Length: ").append(body.length + 1 + random.nextInt(100_000)).append("\r\n");
                rest.writeBytes(body);
                halfClose = true;
            }
            case 5 -> { // sends more than it declares: the rest reads as a next request
                head.append("Content-Length: ").append(body.length / 2).append("\r\n");
                rest.writeBytes(body);
            }
            case 6 -> {
                head.append("Transfer-Encoding: chunked\r\n");
                rest.writeBytes(SluiceInTomcat.chunk(body));
                expected = body.length;
            }
            case 7 -> {
                head.append("Transfer-Encoding: chunked\r\n");
                rest.writeBytes(brokenChunks(random, body));
                halfClose = true;
            }
            default -> { // framing headers duplicated, odd or conflicting
                head.append(random.nextBoolean() ? "Content-Length: " + pick(random, CONTENT_LENGTHS)
                        : "Content-Length: " + body.length + "\r\nContent-Length: " + (body.length + 1)).append("\r\n");
                if (random.nextBoolean()) {
                    head.append("Transfer-Encoding: ").append(pick(random, TRANSFER_ENCODINGS)).append("\r\n");
                }
                rest.writeBytes(random.nextBoolean() ? body : SluiceInTomcat.chunk(body));
                halfClose = true;
            }
        }
        head.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(head.toString().getBytes(ISO_8859_1));
        all.writeBytes(rest.toByteArray());
        return new FuzzedRequest(method, all.toByteArray(), expected, halfClose);
    }

    private static String headerValue(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> "v".repeat(random.nextBoolean() ? 6_000 : 200_000);
            case 1, 2 -> junk(random, random.nextInt(30));
            default -> pick(random, HEADER_VALUES);
        };
    }

    private static byte[] randomBody(Random random) {
        int length = switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 200 * 1024; // over the request buffer: streams
            default -> random.nextInt(3_000);
        };
        byte[] body = new byte[length];
        random.nextBytes(body);
        return body;
    }

    /** A chunked body with one flaw: a bad size, a missing CRLF, a short chunk or no last chunk. */
    private static byte[] brokenChunks(Random random, byte[] body) {
        byte[] good = SluiceInTomcat.chunk(body);
        String text = new String(good, ISO_8859_1);
        return (switch (random.nextInt(5)) {
            case 0 -> "zz\r\n" + text;
            case 1 -> text.replaceFirst("\r\n", "");
            case 2 -> Integer.toHexString(body.length + 10) + "\r\n" + new String(body, ISO_8859_1) + "\r\n0\r\n\r\n";
            case 3 -> text.substring(0, Math.max(0, text.length() - 5));
            default -> "5;ext=\"\u0000\"\r\nabcde\r\n0\r\nBad Trailer\r\n\r\n";
        }).getBytes(ISO_8859_1);
    }

    private static String junk(Random random, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append((char) random.nextInt(256));
        }
        return b.toString();
    }

    private static <T> T pick(Random random, T[] options) {
        return pick(random, options, options.length);
    }

    /** One of the first {@code count} options. */
    private static <T> T pick(Random random, T[] options, int count) {
        return options[random.nextInt(count)];
    }

    /** The head, abbreviated, and the body's size. */
    String shown() {
        String text = new String(bytes, ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        return FuzzedRequestsTest.abbreviated(head) + " + " + (bytes.length - head.length() - 4) + " body bytes";
    }
}
