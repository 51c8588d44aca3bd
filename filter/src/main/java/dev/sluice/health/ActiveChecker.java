package dev.sluice.health;

import dev.sluice.config.ActiveCheckSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Checks each node of an upstream on a timer and tells {@link UpstreamHealth}. A node whose
 * check is still running is skipped, so checks never pile up on a node that hangs; each check is
 * bounded by its timeout.
 */
public final class ActiveChecker implements AutoCloseable {
    private static final double GOLDEN_RATIO_FRACTION = 0.6180339887498949;
    /** Checkers started in this JVM, for each one's phase. */
    private static final AtomicLong STARTED = new AtomicLong();

    private final UpstreamHealth health;
    private final ActiveCheckSettings settings;
    private final IntFunction<CompletableFuture<Integer>> probe;
    private final AtomicBoolean[] running;
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param probe sends one check to the node of this index and completes with the status, or
     *        exceptionally when there was none
     */
    public ActiveChecker(UpstreamHealth health, ActiveCheckSettings settings, int nodes,
            IntFunction<CompletableFuture<Integer>> probe) {
        this.health = health;
        this.settings = settings;
        this.probe = probe;
        this.running = new AtomicBoolean[nodes];
        for (int i = 0; i < nodes; i++) {
            running[i] = new AtomicBoolean();
        }
    }

    /**
     * Starts checking every node, spread over one interval so checks do not come in bursts: the
     * upstream's nodes evenly, and the upstreams apart from one another by a phase within the gap
     * between two of its nodes. Without the phase a gateway of a thousand upstreams checked
     * every upstream's first node at once, then every second node, in bursts of a thousand.
     */
    public void start(ScheduledExecutorService timer) {
        long interval = settings.interval().toMillis();
        long gap = Math.max(1, interval / running.length);
        // The golden ratio's multiples modulo one fill the gap evenly however many upstreams start.
        long phase = (long) ((STARTED.getAndIncrement() * GOLDEN_RATIO_FRACTION) % 1.0 * gap);
        // At a fixed rate, not with a fixed delay: a timer that fell behind once (a thousand
        // upstreams' first checks building their pools held it for most of a second) would
        // otherwise keep every check it delayed bunched behind that hole for good.
        for (int i = 0; i < running.length; i++) {
            int node = i;
            schedules.add(timer.scheduleAtFixedRate(() -> check(node), interval * i / running.length + phase, interval,
                    TimeUnit.MILLISECONDS));
        }
    }

    private void check(int node) {
        if (!running[node].compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<Integer> status;
        try {
            status = probe.apply(node);
        } catch (RuntimeException e) {
            status = CompletableFuture.failedFuture(e);
        }
        status.orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((code, failure) -> {
            running[node].set(false);
            // A check still running at close (or failed by the pool closing) says nothing any more,
            // and its node's state may now belong to a newer upstream's checks.
            if (!closed) {
                health.checked(node, failure == null && code >= settings.minStatus() && code <= settings.maxStatus());
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        schedules.forEach(s -> s.cancel(false));
    }
}
