package dev.sluice.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects what Sluice logs (System.Logger goes to java.util.logging) while it is open. */
public final class LogCapture implements AutoCloseable {
    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    private final Logger logger = Logger.getLogger("dev.sluice");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture() {
        logger.addHandler(handler);
    }

    /** Starts collecting. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** Whether a record at this level or above has a message containing the text. */
    public boolean logged(Level atLeast, String text) {
        return records.stream().anyMatch(r -> r.getLevel().intValue() >= atLeast.intValue() && message(r).contains(text));
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
