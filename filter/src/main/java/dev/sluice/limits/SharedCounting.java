package dev.sluice.limits;

import dev.sluice.config.ConfigurationException;
import dev.sluice.config.RedisSettings;

import java.time.Duration;
import java.util.ServiceLoader;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The filter's shared store and whether it answers. Decisions go to the store while it is up; one
 * that fails or is slower than the bound is made by the fallback, and {@value #STRIKES} of them in
 * a row make the store down: from then on decisions are made by each upstream's fallback without
 * asking it, so a dead or stalled Redis costs only the requests already asked of it the bound. One
 * late answer alone does not: on a busy host a reply now and then misses a bound of a few
 * milliseconds, and taking the store down for it would leave each instance its share of the rate
 * for a second at a time. A heartbeat every second, on the filter's timer, counts the instances
 * alive and brings the store back up when it answers again. Each change of state is logged once.
 */
public final class SharedCounting implements AutoCloseable {
    /** The artifact that holds the Redis store. */
    public static final String ARTIFACT = "dev.sluice:sluice-limits-redis";
    private static final System.Logger LOG = System.getLogger(SharedCounting.class.getName());
    private static final long BEAT_MILLIS = 1_000;
    /** Decisions failed or late in a row that make the store down. */
    static final int STRIKES = 3;

    /** Starting: not answered yet; until then the fallback decides, as when down. */
    private enum State { STARTING, UP, DOWN }

    private final SharedLimitStore store;
    /** Changed in place by a reload that keeps the same Redis and bound. */
    private volatile RedisSettings settings;
    /** Closed: a decision still in flight fails quietly into its fallback. */
    private volatile boolean closed;
    private final String instance;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final LongAdder toFallback = new LongAdder();
    private final LongAdder fallbackDecisions = new LongAdder();
    /** Decisions failed or late since the last answer in time. */
    private final AtomicInteger strikes = new AtomicInteger();
    private volatile int counted = 1;
    private final ScheduledFuture<?> beat;

    private SharedCounting(SharedLimitStore store, RedisSettings settings, String instance, ScheduledExecutorService timer) {
        this.store = store;
        this.settings = settings;
        this.instance = instance;
        this.beat = timer.scheduleWithFixedDelay(this::beat, 0, BEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the store the settings name, found through {@link ServiceLoader} in the application's
     * class loader. Does not wait for it: an unreachable Redis leaves the filter in its fallback
     * until it answers.
     *
     * @param instance this instance's identity in the store, kept across reloads so that a store
     *        opened anew does not count the instance twice
     * @throws ConfigurationException when the store's module is missing or refuses the URI
     */
    public static SharedCounting open(RedisSettings settings, String instance, ClassLoader loader, ScheduledExecutorService timer) {
        SharedLimitStore.Provider provider = ServiceLoader.load(SharedLimitStore.Provider.class, loader).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("redis")).findFirst()
                .orElseThrow(() -> new ConfigurationException(settings.requiredBy(), "redis",
                        "the Redis store is not on the class path: add the artifact " + ARTIFACT
                                + " (its classifier 'bundle' next to sluice-filter-bundle)"));
        SharedLimitStore store;
        try {
            store = provider.open(settings.uri(), settings.timeout());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(settings.uriKey(), settings.redactedUri(), e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "Sluice counts shared rate limits in {0}", settings.redactedUri());
        return new SharedCounting(store, settings, instance, timer);
    }

    /** Whether decisions go to the store now. */
    boolean up() {
        return state.get() == State.UP;
    }

    SharedLimitStore store() {
        return store;
    }

    /** The instances the local fallback shares the rate among: configured, or last counted. */
    int instances() {
        return settings.instances() > 0 ? settings.instances() : counted;
    }

    void countFallbackDecision() {
        fallbackDecisions.increment();
    }

    /** A decision was answered in time: the failures before it were not in a row. */
    void answeredInTime() {
        if (strikes.get() != 0) {
            strikes.set(0);
        }
    }

    /**
     * A decision failed or was too slow: the store is down, until a heartbeat is answered, once
     * that happened {@value #STRIKES} times in a row.
     */
    void decisionFailed(Throwable cause) {
        if (state.get() != State.UP || strikes.incrementAndGet() >= STRIKES) {
            failed(cause);
        }
    }

    /** The store failed or was too slow to answer a heartbeat: it is down until one is answered. */
    private void failed(Throwable cause) {
        if (closed) {
            return;
        }
        State was = state.getAndSet(State.DOWN);
        if (was != State.DOWN) {
            toFallback.increment();
            Throwable reason = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            LOG.log(System.Logger.Level.WARNING, "Sluice rate limits: Redis {0} {1} ({2}); each upstream''s rate-limit.fallback"
                    + " decides until it answers again (instances sharing the rate: {3})", settings.redactedUri(),
                    was == State.STARTING ? "does not answer at start" : "stopped answering within " + settings.timeout().toMillis() + " ms",
                    reason, instances());
        }
    }

    private void answered(int instancesAlive) {
        counted = Math.max(1, instancesAlive);
        strikes.set(0);
        State was = state.getAndSet(State.UP);
        if (was == State.DOWN) {
            LOG.log(System.Logger.Level.INFO, "Sluice rate limits: Redis {0} answers again; limits are shared once more",
                    settings.redactedUri());
        }
    }

    private void beat() {
        CompletionStage<Integer> answer;
        try {
            answer = store.heartbeat(instance);
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        answer.whenComplete((alive, failure) -> {
            if (failure != null) {
                failed(failure);
            } else {
                answered(alive);
            }
        });
    }

    /** {@code shared}, {@code fallback} or {@code starting}, for the status views. */
    public String state() {
        return switch (state.get()) {
            case UP -> "shared";
            case DOWN -> "fallback";
            case STARTING -> "starting";
        };
    }

    /** How often the store went down (or was found down at start). */
    public long switchesToFallback() {
        return toFallback.sum();
    }

    /** Decisions the fallback made. */
    public long fallbackDecisions() {
        return fallbackDecisions.sum();
    }

    /** The settings it runs with. */
    public RedisSettings settings() {
        return settings;
    }

    /**
     * Takes settings that name the same store ({@link RedisSettings#sameStore}): the instances
     * configured, the key asking for Redis.
     */
    public void reconfigure(RedisSettings next) {
        if (!next.sameStore(settings)) {
            throw new IllegalArgumentException("another store: " + next.redactedUri());
        }
        settings = next;
    }

    /**
     * Asks the store at once, and waits at most this long for its answer: a reload that opens a
     * new store waits for it, on the reloading thread, so that requests never meet it unconnected.
     *
     * @return whether it answered in time; if not, it stays in its fallback until it does
     */
    public boolean awaitAnswer(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try {
                answered(store.heartbeat(instance).toCompletableFuture().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // Not connected yet, or refused: the connection may still be on its way.
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50) > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Replaced by a reload: says no more that this instance is alive, and answers the decisions in flight. */
    public void retire() {
        beat.cancel(false);
    }

    @Override
    public void close() {
        closed = true;
        beat.cancel(false);
        store.close();
    }
}
