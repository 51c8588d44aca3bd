package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The bits of HTTP/1.1 framing the test origin, the raw client and the soak's clients share. */
public final class Http1 {
    private static final int MAX_LINE = 64 * 1024;

    private Http1() {
    }

    /** One line without its CRLF (or bare LF), or {@code null} at a clean end of stream. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n';) {
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("stream ended inside a line");
            }
            if (line.size() == MAX_LINE) {
                throw new ProtocolException("line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        // ISO-8859-1 maps bytes to chars one to one, so nothing received is lost or altered.
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** Header lines up to the empty line, in order and case as received; EOFException if the stream ends first. */
    public static List<Map.Entry<String, String>> readHeaders(InputStream in) throws IOException {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (;;) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("stream ended inside the header section");
            }
            if (line.isEmpty()) {
                return List.copyOf(headers);
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("malformed header line: " + line);
            }
            headers.add(new SimpleImmutableEntry<>(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
    }

    public static String first(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    static List<String> all(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** Whether a comma-separated header (all its lines) carries this token, e.g. {@code Connection: close}. */
    static boolean hasToken(List<Map.Entry<String, String>> headers, String name, String token) {
        return all(headers, name).stream().flatMap(v -> List.of(v.split(",")).stream())
                .anyMatch(t -> t.strip().equalsIgnoreCase(token));
    }

    static boolean isChunked(List<Map.Entry<String, String>> headers) {
        return hasToken(headers, "Transfer-Encoding", "chunked");
    }

    /** The body framing the headers announce: chunked, Content-Length, or {@code null} for neither. */
    public static InputStream framedBody(InputStream in, List<Map.Entry<String, String>> headers) throws ProtocolException {
        if (isChunked(headers)) {
            return new Chunked(in);
        }
        String length = first(headers, "Content-Length");
        return length == null ? null : new FixedLength(in, parseLong(length.strip(), 10));
    }

    /** Header lines as given, each ended by CRLF. */
    static String headerLines(List<Map.Entry<String, String>> headers) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> h : headers) {
            text.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        return text.toString();
    }

    private static long parseLong(String digits, int radix) throws ProtocolException {
        try {
            long value = Long.parseLong(digits, radix);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad length: " + digits);
        }
    }

    /** An InputStream that only has to implement the bulk read. */
    abstract static class BulkInputStream extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** A body of known length: EOF at its end, EOFException if the stream ends early. */
    static final class FixedLength extends BulkInputStream {
        private final InputStream in;
        private long remaining;

        FixedLength(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException(remaining + " body bytes missing");
            }
            remaining -= n;
            return n;
        }
    }

    /** A chunked body, de-chunked, trailers skipped: EOFException if the stream ends before the last chunk. */
    static final class Chunked extends BulkInputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (chunkLeft == 0) {
                String size = readLine(in);
                if (size == null) {
                    throw new EOFException("stream ended before the last chunk");
                }
                int semicolon = size.indexOf(';');
                chunkLeft = parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
                if (chunkLeft == 0) {
                    readHeaders(in);
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("stream ended inside a chunk");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                String end = readLine(in);
                if (end == null) {
                    throw new EOFException("stream ended after a chunk's data");
                }
                if (!end.isEmpty()) {
                    throw new ProtocolException("chunk data not followed by CRLF");
                }
            }
            return n;
        }
    }
}
