package dev.sluice.config;

/** The algorithm that picks a node of an upstream for each request. */
public enum BalanceMode {
    /** nginx's smooth weighted round robin. */
    ROUND_ROBIN,
    /** A client address (by prefix) keeps its node while that node is available: a consistent hash ring. */
    IP_HASH
}
