package dev.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The tests' only log handler (see {@code logging.properties}): it holds what Sluice and the
 * containers log instead of printing it, so that a green build shows only what matters.
 *
 * <p>{@link ShowHeldLog} prints the held lines: all of them for a test that failed, and after any
 * other test the SEVERE ones that no test expected. A test expects a line by asserting it through
 * {@link LogCapture#logged}. A line held at the end of the run is judged so too.
 */
public final class HeldLog extends Handler {
    private static final List<Held> HELD = new ArrayList<>();
    /** Lines a test asserted, by their record's sequence number. */
    private static final Set<Long> EXPECTED = ConcurrentHashMap.newKeySet();
    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    /**
     * A line as text: a record itself would keep its parameters and exception alive, objects of an
     * undeployed application among them, and with them that application's class loader.
     */
    private record Held(long sequence, Level level, String text) {
    }

    public HeldLog() {
        setFormatter(FORMAT);
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            Held line = new Held(record.getSequenceNumber(), record.getLevel(), FORMAT.format(record));
            synchronized (HELD) {
                HELD.add(line);
            }
        }
    }

    /** Marks a line as one a test asserted: it is no sign of a problem. */
    static void expected(LogRecord record) {
        EXPECTED.add(record.getSequenceNumber());
    }

    /** Prints every held line (for a failed test), then forgets them. */
    static void printAll(String heading) {
        print(heading, Level.ALL);
    }

    /** Prints the held SEVERE lines that no test asserted, then forgets every held line. */
    static void printUnexpected(String heading) {
        print(heading, Level.SEVERE);
    }

    private static void print(String heading, Level atLeast) {
        List<Held> shown;
        synchronized (HELD) {
            shown = HELD.stream()
                    .filter(h -> h.level().intValue() >= atLeast.intValue() && (atLeast == Level.ALL || !EXPECTED.contains(h.sequence())))
                    .toList();
            HELD.clear();
            EXPECTED.clear();
        }
        if (!shown.isEmpty()) {
            StringBuilder text = new StringBuilder(heading).append(System.lineSeparator());
            shown.forEach(h -> text.append(h.text()));
            System.err.print(text);
        }
    }

    @Override
    public void flush() {
    }

    /** Called as the JVM ends: what came after the last test is judged as after any test. */
    @Override
    public void close() {
        printUnexpected("Logged after the last test:");
    }
}
