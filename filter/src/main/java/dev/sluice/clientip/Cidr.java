package dev.sluice.clientip;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code fd00::/8}. */
public final class Cidr {
    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * Parses {@code address[/prefix]}; a bare address is a block of one.
     *
     * @throws IllegalArgumentException if the text is not an IP literal with a valid prefix
     */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = IpLiterals.parse(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address literal");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("prefix of '" + trimmed + "' must be 0 to " + bytes.length * 8);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, trimmed);
    }

    /** Whether the address (as raw bytes, 4 or 16 of them) lies in this block. */
    public boolean contains(byte[] address) {
        return address.length == network.length && Arrays.equals(mask(address, prefixLength), network);
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int bit = prefix; bit < masked.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return masked;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Parsing of IP literals that never touches DNS. */
    static final class IpLiterals {
        private IpLiterals() {
        }

        /** The address bytes, or {@code null} if the text is not an IPv4 or IPv6 literal. */
        static byte[] parse(String text) {
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
}
