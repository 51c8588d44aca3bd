package dev.sluice.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentOutcomesTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long START = 5_000 * SECOND + 123;

    @Test
    void countsAttemptsAndFailuresWithinTheWindow() {
        RecentOutcomes recent = new RecentOutcomes();
        recent.success(START);
        recent.failure(START + SECOND / 2);
        recent.success(START + 10 * SECOND);
        assertEquals(new RecentOutcomes.Window(3, 1), recent.window(START + 10 * SECOND));
        assertEquals(1.0 / 3, recent.window(START + 10 * SECOND).errorRate(), 1e-9);
    }

    @Test
    void forgetsSecondsOlderThanTheWindow() {
        RecentOutcomes recent = new RecentOutcomes();
        recent.failure(START);
        recent.success(START + 30 * SECOND);
        assertEquals(new RecentOutcomes.Window(1, 0), recent.window(START + RecentOutcomes.WINDOW_SECONDS * SECOND));
    }

    @Test
    void aSlotComingRoundAgainStartsAfresh() {
        RecentOutcomes recent = new RecentOutcomes();
        for (int i = 0; i < 5; i++) {
            recent.failure(START);
        }
        recent.success(START + RecentOutcomes.WINDOW_SECONDS * SECOND);
        assertEquals(new RecentOutcomes.Window(1, 0), recent.window(START + RecentOutcomes.WINDOW_SECONDS * SECOND));
    }

    @Test
    void noAttemptsHaveNoErrorRate() {
        assertTrue(Double.isNaN(new RecentOutcomes().window(START).errorRate()));
    }

    @Test
    void concurrentRecordsAreAllCounted() throws InterruptedException {
        RecentOutcomes recent = new RecentOutcomes();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            boolean failing = t % 2 == 0;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 50_000; i++) {
                    if (failing) {
                        recent.failure(START);
                    } else {
                        recent.success(START);
                    }
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(new RecentOutcomes.Window(200_000, 100_000), recent.window(START));
    }
}
