package dev.sluice.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects what is logged (Sluice's System.Logger goes to java.util.logging, and so do the
 * containers) while it is open. The lines a test asserts through it are expected: {@link HeldLog}
 * does not show them as a problem.
 */
public final class LogCapture implements AutoCloseable {
    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    private final Logger logger = Logger.getLogger("");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Predicate<LogRecord> expectedOnArrival;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
            if (expectedOnArrival.test(record)) {
                HeldLog.expected(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(Predicate<LogRecord> expectedOnArrival) {
        this.expectedOnArrival = expectedOnArrival;
        logger.addHandler(handler);
    }

    /** Starts collecting. */
    public static LogCapture start() {
        return new LogCapture(record -> false);
    }

    /**
     * Starts collecting, and takes every line at this level or above whose message contains the
     * text as expected the moment it arrives: for a container's lines that come at times no test
     * controls, such as its complaint about a client that went away.
     */
    public static LogCapture expecting(Level atLeast, String text) {
        return new LogCapture(r -> r.getLevel().intValue() >= atLeast.intValue() && message(r).contains(text));
    }

    /** Whether a record at this level or above has a message containing the text; those that do are expected. */
    public boolean logged(Level atLeast, String text) {
        List<LogRecord> matching = records.stream()
                .filter(r -> r.getLevel().intValue() >= atLeast.intValue() && message(r).contains(text))
                .toList();
        matching.forEach(HeldLog::expected);
        return !matching.isEmpty();
    }

    /** As {@link #logged}, waiting up to the patience for a line another thread may still be writing. */
    public boolean logged(Level atLeast, String text, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!logged(atLeast, text)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Every message so far, parameters filled in, for failure messages. */
    public List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + message(r)).toList();
    }

    private static String message(LogRecord record) {
        return FORMAT.formatMessage(record);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
