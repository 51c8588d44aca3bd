package dev.sluice.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits for tests' helper threads, which have no caller to throw to: an interrupt ends the wait
 * and is kept on the thread, and the test's own assertions then tell what did not happen.
 */
public final class Quietly {
    private Quietly() {
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the latch is open or the time is up. */
    public static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
