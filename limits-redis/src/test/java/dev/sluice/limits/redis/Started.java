package dev.sluice.limits.redis;

import java.util.ArrayDeque;
import java.util.Deque;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test class starts (servers, clusters, clients, instances, recorded logs), stopped in the
 * reverse order: what a test started, after that test; what {@code @BeforeAll} started, after the
 * class. After each test the filters' configuration ({@link TestConfigSource}) is emptied too, so
 * the next one starts from none. Register it with {@code @RegisterExtension}; add in
 * {@code @BeforeAll}, {@code @BeforeEach} or the test, not in a field's initializer.
 */
class Started implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private final Deque<AutoCloseable> forTheClass = new ArrayDeque<>();
    private final Deque<AutoCloseable> forTheTest = new ArrayDeque<>();
    private boolean inTest;

    /** Takes this to stop, and hands it back. */
    <T extends AutoCloseable> T add(T started) {
        (inTest ? forTheTest : forTheClass).push(started);
        return started;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        try {
            stop(forTheTest);
        } finally {
            TestConfigSource.VALUES.clear();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop(forTheClass);
    }

    /** Stops each, the last started first, all of them even when one fails. */
    private static void stop(Deque<AutoCloseable> started) throws Exception {
        Exception first = null;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
