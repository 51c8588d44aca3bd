package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The bits of HTTP/1.1 framing the test origin and the raw client share. */
final class Http1 {
    private Http1() {
    }

    /** One line without its CRLF (or LF), or {@code null} at a clean end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("stream ended inside a line");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    /** Header lines up to the empty line, in order and case as received. */
    static List<Map.Entry<String, String>> readHeaders(InputStream in) throws IOException {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty();) {
            int colon = line.indexOf(':');
            headers.add(new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        return List.copyOf(headers);
    }

    static String first(List<Map.Entry<String, String>> headers, String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    static List<String> all(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    static boolean isChunked(List<Map.Entry<String, String>> headers) {
        String te = first(headers, "Transfer-Encoding");
        return te != null && te.toLowerCase().contains("chunked");
    }

    /** A body of known length; reports EOF at its end and an EOFException if the stream ends early. */
    static final class FixedLength extends InputStream {
        private final InputStream in;
        private long remaining;

        FixedLength(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException(remaining + " body bytes missing");
            }
            remaining -= n;
            return n;
        }
    }

    /** A chunked body, de-chunked; trailers are skipped. EOFException if the stream ends before the last chunk. */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String size = readLine(in);
                if (size == null) {
                    throw new EOFException("stream ended before the last chunk");
                }
                int semicolon = size.indexOf(';');
                chunkLeft = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
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
            if (chunkLeft == 0 && !"".equals(readLine(in))) {
                throw new IOException("chunk not followed by CRLF");
            }
            return n;
        }
    }
}
