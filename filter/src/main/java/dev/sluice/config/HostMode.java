package dev.sluice.config;

/** Which Host header a forwarded request carries. */
public enum HostMode {
    /** The client's own Host header, unchanged. */
    PASS,
    /** The chosen node's host, with its port when it is not the scheme's default. */
    NODE,
    /** A fixed value from configuration. */
    REWRITE
}
