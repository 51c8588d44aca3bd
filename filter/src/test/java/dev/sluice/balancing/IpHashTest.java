package dev.sluice.balancing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class IpHashTest {
    private static final List<String> NODES = List.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80");

    private static IpHash ring(int... weights) {
        return new IpHash(NODES.subList(0, weights.length), weights, 32, 64, 1_000);
    }

    private static String client(int i) {
        return "198.51." + (i >> 8 & 0xff) + "." + (i & 0xff);
    }

    @Test
    void aClientKeepsItsNode() {
        IpHash hash = ring(1, 1, 1, 1);
        // A ring built alike has a cache of its own: the node must follow from the address alone.
        IpHash rebuilt = ring(1, 1, 1, 1);
        for (int i = 0; i < 200; i++) {
            int first = hash.pick(client(i), null);
            assertEquals(first, hash.pick(client(i), null));
            assertEquals(first, rebuilt.pick(client(i), null));
        }
    }

    @Test
    void clientsSpreadByWeight() {
        IpHash hash = ring(3, 1);
        int[] counts = new int[2];
        IntStream.range(0, 20_000).forEach(i -> counts[hash.pick(client(i), null)]++);
        double share = counts[0] / 20_000.0;
        assertTrue(share > 0.70 && share < 0.80, "node with weight 3 of 4 took " + share);
    }

    @Test
    void excludingANodeMovesOnlyItsClients() {
        IpHash hash = ring(1, 1, 1, 1);
        BitSet down = new BitSet();
        down.set(2);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            int before = hash.pick(client(i), null);
            int after = hash.pick(client(i), down);
            assertNotEquals(2, after);
            if (before != after) {
                assertEquals(2, before, "a client of a healthy node moved");
                moved++;
            }
        }
        assertTrue(moved > 1_500 && moved < 3_500, moved + " of 10000 clients moved, about a quarter expected");
    }

    @Test
    void removingANodeFromTheRingMovesUnderItsShare() {
        IpHash four = ring(1, 1, 1, 1);
        IpHash three = ring(1, 1, 1);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            int before = four.pick(client(i), null);
            if (before != 3 && before != three.pick(client(i), null)) {
                moved++;
            }
        }
        assertEquals(0, moved, "clients of the remaining nodes must stay where they were");
    }

    @Test
    void ipv6ClientsOfOneSlash64ShareANode() {
        IpHash hash = ring(1, 1, 1, 1);
        int node = hash.pick("2001:db8:1:2::1", null);
        for (String rotated : List.of("2001:db8:1:2:aaaa::7", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::abcd")) {
            assertEquals(node, hash.pick(rotated, null), rotated);
        }
    }

    @Test
    void prefixIsConfigurable() {
        IpHash slash24 = new IpHash(NODES, new int[] {1, 1, 1, 1}, 24, 64, 1_000);
        int node = slash24.pick("203.0.113.1", null);
        IntStream.range(2, 255).forEach(i -> assertEquals(node, slash24.pick("203.0.113." + i, null)));
    }

    @Test
    void allExcludedGivesNoNode() {
        BitSet all = new BitSet();
        all.set(0, 2);
        assertEquals(-1, ring(1, 1).pick("198.51.100.1", all));
    }

    @Test
    void zeroWeightNodeGetsNoClient() {
        IpHash hash = ring(1, 0, 1);
        IntStream.range(0, 2_000).forEach(i -> assertNotEquals(1, hash.pick(client(i), null)));
    }
}
