package dev.sluice.config;

/** How calls are limited while the shared store is down or slower than its bound. */
public enum LimitFallback {
    /** Each instance allows its share: the rate divided by the instances. */
    LOCAL,
    /** Calls are not limited. */
    FAIL_OPEN,
    /** Calls are refused with 429. */
    FAIL_CLOSED
}
