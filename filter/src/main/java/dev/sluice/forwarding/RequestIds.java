package dev.sluice.forwarding;

import dev.sluice.config.ObservabilitySettings;

import jakarta.servlet.http.HttpServletRequest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A request's id: the client's (or a proxy's before us) when it sent a usable one, else one made
 * here when so configured. An id that is too long or holds other than visible ASCII is not
 * believed (it would go into every log line): the request gets one of ours instead, or none.
 */
final class RequestIds {
    private static final int MAX_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The header, or {@code null} when ids are off. */
    private final String header;
    private final boolean generate;

    RequestIds(ObservabilitySettings settings) {
        this.header = settings.requestIdHeader();
        this.generate = settings.generateRequestId();
    }

    /** The header carrying ids, or {@code null} when ids are off. */
    String header() {
        return header;
    }

    /** The id the client sent, if usable; {@code null} otherwise. */
    String received(HttpServletRequest request) {
        if (header == null) {
            return null;
        }
        String id = request.getHeader(header);
        return usable(id) ? id : null;
    }

    /** A fresh id, or {@code null} when none is to be made. */
    String generated() {
        if (!generate) {
            return null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        hex(random.nextLong(), id, 0);
        hex(random.nextLong(), id, 16);
        return new String(id);
    }

    private static void hex(long bits, char[] into, int at) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = HEX[(int) bits & 0xf];
            bits >>>= 4;
        }
    }

    static boolean usable(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
