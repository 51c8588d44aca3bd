package dev.sluice.upstream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Per-request events worth a log line (an upstream failing, a retry) at most once a second per
 * upstream, with a count of the ones left out: an outage must not flood the container's log.
 */
public final class ThrottledLog {
    private static final long INTERVAL = 1_000_000_000L;

    private final System.Logger logger;
    private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
    private final LongAdder suppressed = new LongAdder();

    public ThrottledLog(System.Logger logger) {
        this.logger = logger;
    }

    public void log(System.Logger.Level level, Supplier<String> message) {
        if (!logger.isLoggable(level)) {
            return;
        }
        long now = System.nanoTime();
        long allowed = nextAllowed.get();
        if (now - allowed >= 0 && nextAllowed.compareAndSet(allowed, now + INTERVAL)) {
            long left = suppressed.sumThenReset();
            logger.log(level, left == 0 ? message.get() : message.get() + " (" + left + " more like it in the last second not logged)");
        } else {
            suppressed.increment();
        }
    }
}
