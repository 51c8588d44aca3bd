package dev.sluice.clientip;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** Parsing of IP address literals that never touches DNS. */
public final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * The address bytes (4 for IPv4 and IPv4-mapped IPv6, else 16), or {@code null} if the text
     * is not an IPv4 or IPv6 literal; IPv6 may come in brackets.
     */
    public static byte[] parse(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty() || !(s.indexOf(':') >= 0 || isDottedQuad(s))) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean allowed = Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%';
            if (!allowed) {
                return null;
            }
        }
        try {
            // Only literals reach this point, so getByName parses and never resolves.
            byte[] bytes = InetAddress.getByName(s).getAddress();
            return toIpv4IfMapped(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isDottedQuad(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static byte[] toIpv4IfMapped(byte[] bytes) {
        if (bytes.length != 16) {
            return bytes;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return bytes;
            }
        }
        if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return bytes;
        }
        return Arrays.copyOfRange(bytes, 12, 16);
    }
    }
