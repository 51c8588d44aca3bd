package dev.sluice.balancing;

import java.util.BitSet;

/**
 * nginx's smooth weighted round robin: every pick adds each node's weight to its running score,
 * takes the node with the highest score and takes the total weight off the winner. Weights 5, 1, 1
 * give {@code a a b a c a a}: the heavy node's turns are spread out instead of bunched.
 *
 * <p>One instance holds the exact state for an upstream across the whole JVM. A pick is a few
 * additions over a small array, so one short lock costs less than any lock-free retry scheme would.
 */
public final class SmoothWeightedRoundRobin implements LoadBalancer {
    private final int[] weights;
    private final long[] current;

    /** @param weights one weight per node, 0 for nodes that take no traffic */
    public SmoothWeightedRoundRobin(int[] weights) {
        this.weights = weights.clone();
        this.current = new long[weights.length];
    }

    @Override
    public int pick(String clientAddress, BitSet excluded) {
        synchronized (current) {
            long total = 0;
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] == 0 || (excluded != null && excluded.get(i))) {
                    continue;
                }
                current[i] += weights[i];
                total += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            if (best >= 0) {
                current[best] -= total;
            }
            return best;
        }
    }
}
