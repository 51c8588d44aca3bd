package dev.sluice.balancing;

import java.util.BitSet;

/** Picks the node of an upstream that serves the next request. Implementations are thread-safe. */
public interface LoadBalancer {

    /**
     * @param clientAddress the client's IP address as resolved through trusted proxies
     * @param excluded nodes (by index) that must not be picked, such as those already tried for this
     *        request; may be {@code null}
     * @return the index of the chosen node, or -1 when every node with weight is excluded
     */
    int pick(String clientAddress, BitSet excluded);
}
