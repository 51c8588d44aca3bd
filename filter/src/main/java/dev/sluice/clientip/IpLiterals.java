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
     * is not an IPv4 or IPv6 literal; IPv6 may come in brackets. A dotted quad with a leading
     * zero in a part ({@code 010.0.0.1}) is not taken: octal or decimal, it is ambiguous.
     */
    public static byte[] parse(String text) {
        String s = text.trim();
        // Client addresses are checked on every request where proxies are trusted; IPv4 is parsed
        // here directly, which costs a fraction of InetAddress's parse.
        byte[] ipv4 = dottedQuad(s);
        if (ipv4 != null) {
            return ipv4;
        }
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') < 0 || Character.digit(s.charAt(0), 16) < 0 && s.charAt(0) != ':') {
            // The JDK takes text that starts otherwise for a host name, and would look it up.
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
            // Only IPv6 literals reach this point, so getByName parses and never resolves.
            byte[] bytes = InetAddress.getByName(s).getAddress();
            return toIpv4IfMapped(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Four decimal parts, each 0-255 without a leading zero, or {@code null}. */
    private static byte[] dottedQuad(String s) {
        int length = s.length();
        if (length < 7 || length > 15) {
            return null;
        }
        byte[] bytes = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= length; i++) {
            char c = i == length ? '.' : s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return null;
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && digits > 0 && part < 4) {
                bytes[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? bytes : null;
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
