package dev.sluice.reload;

import dev.sluice.upstream.Upstream;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Upstreams a reload replaced or removed. New requests no longer reach them; the exchanges they
 * still carry run to their end, however long (a download, server-sent events), and then their
 * connection pool closes. Nothing is cut: an exchange that stops moving ends by its own upstream
 * timeout, which runs while it waits for the upstream, so no pool stays open for good.
 */
final class Retirement {
    private static final System.Logger LOG = System.getLogger(Retirement.class.getName());
    /** How often retiring upstreams are looked at: a closed pool costs nothing, so no need to be prompt. */
    private static final long SWEEP_MS = 100;
    /**
     * No pool closes sooner after its retirement, idle or not: a request that read the old
     * snapshot just before the swap may not have counted its exchange yet.
     */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Supplier<ScheduledExecutorService> timer;
    /** Each retiring upstream and when it retired, by nanoTime. */
    private final Map<Upstream, Long> retiring = new LinkedHashMap<>();
    private ScheduledFuture<?> sweep;

    /** @param timer the filter's timer, started when first needed */
    Retirement(Supplier<ScheduledExecutorService> timer) {
        this.timer = timer;
    }

    /** Closes the upstream once its exchanges are over. */
    synchronized void retire(Upstream upstream) {
        retiring.put(upstream, System.nanoTime());
        if (sweep == null) {
            sweep = timer.get().scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void sweep() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Upstream, Long>> it = retiring.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Upstream, Long> entry = it.next();
            Upstream upstream = entry.getKey();
            if (now - entry.getValue() < LINGER_NANOS || upstream.counters().busy()) {
                continue;
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

    /** A failure to close must not stop the sweep, which a timer would never run again after a throw. */
    private static void close(Upstream upstream) {
        try {
            upstream.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream ''" + upstream.name() + "'': closing its connection pool failed", e);
        }
    }
}
