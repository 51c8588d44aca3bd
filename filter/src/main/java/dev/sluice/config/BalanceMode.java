package dev.sluice.config;

/** The algorithm that picks a node of an upstream for each request. */
public enum BalanceMode {
    /** nginx's smooth weighted round robin. */
    ROUND_ROBIN
}
