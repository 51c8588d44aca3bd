package dev.sluice.balancing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.sluice.clientip.IpLiterals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Client-address affinity on a consistent hash ring: each node owns points on the ring in
 * proportion to its weight, and a client goes to the owner of the first point at or after its
 * address's hash. A node that is left out (tried already, or down) hands its clients to the next
 * points, which belong to many nodes, while every other client stays where it was.
 *
 * <p>The address is cut to a prefix first (IPv4 /32 and IPv6 /64 by default), so a client whose
 * IPv6 address rotates for privacy within its /64 keeps its node. Where each client lands is cached
 * in Caffeine, bounded and expiring, so a hit costs no parsing and no search.
 */
public final class IpHash implements LoadBalancer {
    /** Ring points per unit of weight: enough for an even spread, few enough to build quickly. */
    private static final int POINTS_PER_WEIGHT = 160;
    private static final int MAX_POINTS = 1 << 20;

    private final long[] points;
    private final int[] owners;
    private final int ipv4Prefix;
    private final int ipv6Prefix;
    private final Cache<String, Integer> positions;

    /**
     * @param nodes each node's identity ({@code host:port}), which places its points on the ring
     * @param weights each node's weight; 0 puts no point on the ring
     * @param ipv4Prefix leading bits of an IPv4 address that count
     * @param ipv6Prefix leading bits of an IPv6 address that count
     * @param maxClients how many clients' positions to cache
     */
    public IpHash(List<String> nodes, int[] weights, int ipv4Prefix, int ipv6Prefix, int maxClients) {
        long total = Arrays.stream(weights).asLongStream().sum();
        int perWeight = (int) Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_POINTS / Math.max(1, total)));
        int count = (int) (total * perWeight);
        long[] hashes = new long[count];
        int[] owner = new int[count];
        int next = 0;
        for (int node = 0; node < weights.length; node++) {
            for (int i = 0; i < weights[node] * perWeight; i++) {
                hashes[next] = hash((nodes.get(node) + "#" + i).getBytes(StandardCharsets.UTF_8));
                owner[next++] = node;
            }
        }
        Integer[] order = new Integer[count];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
        this.points = new long[count];
        this.owners = new int[count];
        for (int i = 0; i < count; i++) {
            points[i] = hashes[order[i]];
            owners[i] = owner[order[i]];
        }
        this.ipv4Prefix = ipv4Prefix;
        this.ipv6Prefix = ipv6Prefix;
        this.positions = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(Duration.ofMinutes(10))
                .build();
    }

    @Override
    public int pick(String clientAddress, BitSet excluded) {
        int start = positions.get(clientAddress, this::position);
        for (int step = 0; step < points.length; step++) {
            int owner = owners[(start + step) % points.length];
            if (excluded == null || !excluded.get(owner)) {
                return owner;
            }
        }
        return -1;
    }

    /** The ring index where a client address starts its search. */
    int position(String clientAddress) {
        long hash = hash(key(clientAddress));
        int low = 0;
        int high = points.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(points[mid], hash) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low == points.length ? 0 : low;
    }

    /** The address cut to its configured prefix; anything that is not an IP literal is hashed as text. */
    byte[] key(String clientAddress) {
        byte[] address = IpLiterals.parse(clientAddress);
        if (address == null) {
            return clientAddress.getBytes(StandardCharsets.UTF_8);
        }
        int prefix = address.length == 4 ? ipv4Prefix : ipv6Prefix;
        for (int bit = prefix; bit < address.length * 8; bit++) {
            address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return address;
    }

    /** FNV-1a spread by MurmurHash3's finaliser: cheap, and even enough for ring positions. */
    static long hash(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
