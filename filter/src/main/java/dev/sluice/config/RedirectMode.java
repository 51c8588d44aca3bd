package dev.sluice.config;

/** Which of an upstream's own URLs in its responses are rewritten to what the client sees. */
public enum RedirectMode {
    /** On routes with {@code strip-prefix=true}, whose public paths differ from the upstream's. */
    AUTO,
    /** On every route: also URLs naming the upstream's host on routes that keep their prefix. */
    ON,
    /** Never: only {@code redirect.map} applies. */
    OFF
}
