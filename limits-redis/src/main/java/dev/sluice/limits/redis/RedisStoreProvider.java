package dev.sluice.limits.redis;

import dev.sluice.limits.SharedLimitStore;

import java.time.Duration;

/** The Redis store, found by the filter through {@link java.util.ServiceLoader}. */
public final class RedisStoreProvider implements SharedLimitStore.Provider {

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public SharedLimitStore open(String uri, Duration timeout) {
        return RedisStore.open(uri, timeout);
    }
}
