package dev.sluice.clientip;

import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose {@code X-Forwarded-*} and {@code Forwarded} headers Sluice believes. Everyone
 * else's are replaced, because the client address drives balancing and rate limits and must not be
 * something a client can choose.
 */
public final class TrustedProxies {
    private static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Cidr> blocks;

    private TrustedProxies(List<Cidr> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /** Trusts nobody. */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Parses a comma separated list of CIDR blocks or addresses.
     *
     * @throws IllegalArgumentException naming the entry that is not a block
     */
    public static TrustedProxies parse(String list) {
        List<Cidr> blocks = new ArrayList<>();
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                blocks.add(Cidr.parse(entry));
            }
        }
        return new TrustedProxies(blocks);
    }

    /** Whether the peer at this address (an IP literal) is a trusted proxy. */
    public boolean trusts(String address) {
        if (blocks.isEmpty()) {
            return false;
        }
        byte[] bytes = IpLiterals.parse(address);
        if (bytes == null) {
            return false;
        }
        for (Cidr block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** Whether no proxy is trusted. */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * The original client's address: walks {@code X-Forwarded-For} from the right, skipping trusted
     * proxies, and stops at the first untrusted hop. Only called when the direct peer is trusted.
     *
     * @param peer the address of the direct peer
     * @param forwardedFor the {@code X-Forwarded-For} values in arrival order, joined by commas; may be null
     */
    public String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null || !trusts(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        String candidate = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = withoutPort(hops[i].trim());
            if (hop.isEmpty()) {
                continue;
            }
            candidate = hop;
            if (!trusts(hop)) {
                break;
            }
        }
        return candidate;
    }

    /**
     * The hop's address without the port some proxies add ({@code 203.0.113.7:51234},
     * {@code [2001:db8::1]:443}: Azure Application Gateway, IIS ARR). Kept, the port would make each
     * of a client's connections a client of its own for the rate limits and IP hash.
     */
    static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        return colon > 0 && hop.indexOf(':', colon + 1) < 0 ? hop.substring(0, colon) : hop;
    }

    /** Equal when the same blocks are trusted, in the same order, so a reload can tell whether they changed. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TrustedProxies that && blocks.equals(that.blocks);
    }

    @Override
    public int hashCode() {
        return blocks.hashCode();
    }

    @Override
    public String toString() {
        return blocks.toString();
    }
}
