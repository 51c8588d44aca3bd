package dev.sluice.limits.redis;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** The lines one logger writes while a test runs, kept for the test to read. */
final class RecordedLog extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private RecordedLog(Logger logger) {
        this.logger = logger;
    }

    /** Starts recording what this logger writes. */
    static RecordedLog of(String name) {
        RecordedLog log = new RecordedLog(Logger.getLogger(name));
        log.logger.addHandler(log);
        return log;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** The messages, formatted, at this level or above. */
    List<String> atLeast(Level level) {
        SimpleFormatter formatter = new SimpleFormatter();
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).map(formatter::formatMessage).toList();
    }

    /** How many lines at exactly this level say this. */
    long count(Level level, String text) {
        SimpleFormatter formatter = new SimpleFormatter();
        return records.stream().filter(r -> r.getLevel() == level && formatter.formatMessage(r).contains(text)).count();
    }

    @Override
    public void flush() {
    }

    /** Stops recording. */
    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
