package dev.sluice.config;

/** Where an upstream's call rate limits are counted. */
public enum LimitStore {
    /** In this instance: each instance of the application allows the whole rate. */
    LOCAL,
    /** In Redis, shared by every instance: the rate holds for all of them together. */
    REDIS
}
