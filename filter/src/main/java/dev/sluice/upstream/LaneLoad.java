package dev.sluice.upstream;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether a set of shared lanes works hard enough to be worth spreading exchanges over: read from
 * the CPU time their threads used, sampled at most every quarter second by whichever exchange
 * asks then (no thread of its own, no lock: one asker samples, the others read the last verdict).
 *
 * <p>Why: under light load every exchange wakes its lane's sleeping thread, to send and again to
 * read; spread over several lanes, each thread sleeps longer between wakes and starts colder.
 * Kept to one lane, they wake one thread that is more often still warm, and the other lanes'
 * threads are not even started. Once the lanes together use a good part of a core, one thread
 * could become the limit, and exchanges spread by room again. Between the two thresholds the
 * last verdict holds, so the choice does not flip back and forth as the work moves.
 */
final class LaneLoad {
    /** CPU the lanes use per second above which exchanges spread: 30 % of a core. */
    static final long SPREAD_ABOVE = 300_000_000L;
    /** CPU the lanes use per second below which exchanges keep to one lane again: 15 % of a core. */
    static final long KEEP_BELOW = 150_000_000L;
    private static final long PERIOD_NANOS = 250_000_000L;

    private final long spreadAbove;
    private final long keepBelow;
    private final ThreadMXBean cpu;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicBoolean sampling = new AtomicBoolean();
    /** When the last sample was taken, its CPU total and the next one's due time; touched by the one sampler. */
    private long lastAt = System.nanoTime();
    private long lastCpu;
    private volatile long nextAt = lastAt + PERIOD_NANOS;
    private volatile boolean busy;

    /** Busy from {@code spreadAbove} nanoseconds of CPU per second, quiet again below {@code keepBelow}. */
    LaneLoad(long spreadAbove, long keepBelow) {
        this.spreadAbove = spreadAbove;
        this.keepBelow = keepBelow;
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        // Without per-thread CPU times the lanes count as busy: exchanges spread, as they always did.
        this.cpu = bean.isThreadCpuTimeSupported() ? bean : null;
        this.busy = cpu == null || spreadAbove <= 0;
    }

    /** Counts this thread's CPU from now on (a lane's reactor, or its starter). */
    void add(Thread thread) {
        threads.add(thread);
    }

    /** Whether exchanges should spread over the lanes; samples the threads' CPU when a sample is due. */
    boolean busy() {
        long now = System.nanoTime();
        if (cpu != null && now - nextAt >= 0 && sampling.compareAndSet(false, true)) {
            try {
                sample(now);
            } finally {
                sampling.set(false);
            }
        }
        return busy;
    }

    private void sample(long now) {
        long total = 0;
        for (Thread thread : threads) {
            long used = cpu.getThreadCpuTime(thread.getId());
            if (used > 0) {
                total += used;
            }
        }
        // A thread that ended takes its CPU with it: the total may fall, which reads as idle.
        long perSecond = Math.max(0, total - lastCpu) * 1_000_000_000L / Math.max(1, now - lastAt);
        if (perSecond > spreadAbove) {
            busy = true;
        } else if (perSecond < keepBelow) {
            busy = spreadAbove <= 0;
        }
        lastCpu = total;
        lastAt = now;
        nextAt = now + PERIOD_NANOS;
    }
}
