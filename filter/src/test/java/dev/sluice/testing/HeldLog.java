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
    private static final List<LogRecord> HELD = new ArrayList<>();
    private static final Set<LogRecord> EXPECTED = ConcurrentHashMap.newKeySet();
    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    public HeldLog() {
        setFormatter(FORMAT);
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            synchronized (HELD) {
                HELD.add(record);
            }
        }
    }

    /** Marks a line as one a test asserted: it is no sign of a problem. */
    static void expected(LogRecord record) {
        EXPECTED.add(record);
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
        List<LogRecord> shown;
        synchronized (HELD) {
            shown = HELD.stream()
                    .filter(r -> r.getLevel().intValue() >= atLeast.intValue() && (atLeast == Level.ALL || !EXPECTED.contains(r)))
                    .toList();
            HELD.clear();
            EXPECTED.clear();
        }
        if (!shown.isEmpty()) {
            StringBuilder text = new StringBuilder(heading).append(System.lineSeparator());
            shown.forEach(r -> text.append(FORMAT.format(r)));
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
