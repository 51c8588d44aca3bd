package dev.sluice.tunnel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The head of the upstream's answer to a handshake, read up to {@link #MAX_HEAD} bytes: enough
 * for any real handshake answer, and a bound against an upstream that never ends its head.
 *
 * @param status the status code
 * @param headers the header fields in order, as name and value
 */
record UpstreamAnswer(int status, List<String[]> headers) {
    static final int MAX_HEAD = 16 * 1024;

    /** The first value of the header, or {@code null}. */
    String header(String name) {
        for (String[] field : headers) {
            if (field[0].equalsIgnoreCase(name)) {
                return field[1];
            }
        }
        return null;
    }

    /** Where the head ends in {@code bytes[0, length)} (the index after its blank line), or -1. */
    static int headEnd(byte[] bytes, int length) {
        for (int i = 3; i < length; i++) {
            if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Parses a complete head.
     *
     * @throws IllegalArgumentException for anything but an HTTP/1.x status line and header fields
     */
    static UpstreamAnswer parse(byte[] bytes, int end) {
        String[] lines = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IllegalArgumentException("not an HTTP/1.x status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new IllegalArgumentException("malformed header field: " + line);
            }
            headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
        }
        return new UpstreamAnswer(status, List.copyOf(headers));
    }
}
