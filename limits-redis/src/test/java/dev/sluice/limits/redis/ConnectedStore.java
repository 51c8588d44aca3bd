package dev.sluice.limits.redis;

import dev.sluice.limits.RateLimiter;
import dev.sluice.limits.SharedLimitStore;
import dev.sluice.limits.SharedLimitStore.Bucket;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The Redis store, opened on a URI and answering, asked as the filter asks it and waited for. */
final class ConnectedStore implements AutoCloseable {
    private final SharedLimitStore store;

    private ConnectedStore(SharedLimitStore store) {
        this.store = store;
    }

    /** Opens the store with a bound of 500 ms and waits (up to ten seconds) until it answers a heartbeat. */
    static ConnectedStore to(String uri) throws InterruptedException {
        SharedLimitStore opened = new RedisStoreProvider().open(uri, Duration.ofMillis(500));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ExecutionException last = null;
        while (System.nanoTime() < deadline) {
            try {
                opened.heartbeat("test").toCompletableFuture().get();
                return new ConnectedStore(opened);
            } catch (ExecutionException notYet) {
                last = notYet;
                Thread.sleep(50);
            }
        }
        opened.close();
        throw new AssertionError("the store never connected to " + uri, last);
    }

    /** One decision on these buckets together: null where a token was taken from each, else the refusal. */
    RateLimiter.Decision take(Bucket... buckets) throws Exception {
        return store.acquire(List.of(buckets)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** This instance's heartbeat: the number of instances alive. */
    int heartbeat(String instance) throws Exception {
        return store.heartbeat(instance).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        store.close();
    }
}
