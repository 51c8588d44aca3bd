package dev.sluice.balancing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

    private static String sequence(LoadBalancer balancer, int picks, BitSet excluded) {
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < picks; i++) {
            int pick = balancer.pick("10.0.0.1", excluded);
            order.append(pick < 0 ? '-' : (char) ('a' + pick));
        }
        return order.toString();
    }

    @Test
    void weightsFiveOneOneInterleaveAsNginxDoes() {
        assertEquals("aabacaa" + "aabacaa", sequence(new SmoothWeightedRoundRobin(new int[] {5, 1, 1}), 14, null));
    }

    @Test
    void equalWeightsAlternate() {
        assertEquals("abcabc", sequence(new SmoothWeightedRoundRobin(new int[] {1, 1, 1}), 6, null));
    }

    @Test
    void weightsThreeTwoSpreadTheHeavyNode() {
        assertEquals("ababa" + "ababa", sequence(new SmoothWeightedRoundRobin(new int[] {3, 2}), 10, null));
    }

    @Test
    void zeroWeightNodeIsNeverPicked() {
        assertEquals("acacac", sequence(new SmoothWeightedRoundRobin(new int[] {1, 0, 1}), 6, null));
    }

    @Test
    void excludedNodesAreSkipped() {
        BitSet tried = new BitSet();
        tried.set(0);
        assertEquals("bcbc", sequence(new SmoothWeightedRoundRobin(new int[] {5, 1, 1}), 4, tried));
    }

    @Test
    void allExcludedGivesNoNode() {
        BitSet tried = new BitSet();
        tried.set(0, 2);
        assertEquals("--", sequence(new SmoothWeightedRoundRobin(new int[] {1, 1}), 2, tried));
    }
}
