package dev.sluice.reload;

import dev.sluice.config.UpstreamSettings;
import dev.sluice.forwarding.Upstream;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Upstreams a reload replaced or removed. New requests no longer reach them; the exchanges they
 * still carry run to their end, and then their connection pool closes. A grace period bounds the
 * wait, so neither a stuck exchange nor a miscount can keep a pool open for good.
 */
final class Retirement {
    private static final System.Logger LOG = System.getLogger(Retirement.class.getName());
    /** How often retiring upstreams are looked at: a closed pool costs nothing, so no need to be prompt. */
    private static final long SWEEP_MS = 100;
    /** On top of the longest an exchange can wait for its upstream: time to write the last of its response. */
    private static final Duration MARGIN = Duration.ofSeconds(2);
    /**
     * No pool closes sooner after its retirement, idle or not: a request that read the old
     * snapshot just before the swap may not have counted its exchange yet.
     */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Supplier<ScheduledExecutorService> timer;
    private final Map<Upstream, Term> retiring = new LinkedHashMap<>();
    private ScheduledFuture<?> sweep;

    /** @param timer the filter's timer, started when first needed */
    Retirement(Supplier<ScheduledExecutorService> timer) {
        this.timer = timer;
    }

    /**
     * How long a retired upstream's exchanges may still run: every attempt waiting its full connect
     * and response timeout. A response body that keeps flowing is not bounded by those timeouts,
     * so a long download through a replaced upstream is cut when this is over.
     */
    static Duration grace(UpstreamSettings settings) {
        return settings.connectTimeout().plus(settings.timeout())
                .multipliedBy(settings.retry().retries() + 1L)
                .plus(MARGIN);
    }

    /** Closes the upstream once its exchanges are over, or when its grace ends. */
    synchronized void retire(Upstream upstream) {
        long now = System.nanoTime();
        retiring.put(upstream, new Term(now, now + grace(upstream.settings()).toNanos()));
        if (sweep == null) {
            sweep = timer.get().scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void sweep() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Upstream, Term>> it = retiring.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Upstream, Term> entry = it.next();
            Upstream upstream = entry.getKey();
            boolean overdue = now - entry.getValue().graceEnds() >= 0;
            if (!overdue && (now - entry.getValue().retiredAt() < LINGER_NANOS || upstream.counters().busy())) {
                continue;
            }
            if (upstream.counters().busy()) {
                LOG.log(System.Logger.Level.WARNING, "upstream ''{0}'' replaced by a reload: closing its connections after"
                        + " a grace of {1} ms with exchanges still running; they are cut", upstream.name(),
                        grace(upstream.settings()).toMillis());
            }
            it.remove();
            close(upstream);
        }
        if (retiring.isEmpty()) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    /** Closes every retiring upstream now: the filter stops. */
    synchronized void closeAll() {
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
        retiring.keySet().forEach(Retirement::close);
        retiring.clear();
    }

    /** When an upstream retired and when its grace ends, by nanoTime. */
    private record Term(long retiredAt, long graceEnds) {
    }

    /** A failure to close must not stop the sweep, which a timer would never run again after a throw. */
    private static void close(Upstream upstream) {
        try {
            upstream.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream ''" + upstream.name() + "'': closing its connection pool failed", e);
        }
    }
}
