package dev.sluice.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.ActiveCheckSettings;
import dev.sluice.config.HealthSettings;
import dev.sluice.testing.Quietly;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** When active checks go out: spread over their interval across the nodes and across upstreams. */
class ActiveCheckerTest {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    @Test
    void theChecksOfManyUpstreamsAreSpreadOverTheInterval() throws Exception {
        int upstreams = 400;
        int nodes = 5;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        // The timer's thread is held, so every first check stays in its queue to be read, the
        // ones due at once included.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        timer.execute(() -> {
            held.countDown();
            Quietly.await(release, 60_000);
        });
        List<ActiveChecker> checkers = new ArrayList<>();
        try {
            assertTrue(held.await(10, TimeUnit.SECONDS));
            for (int u = 0; u < upstreams; u++) {
                ActiveChecker checker = new ActiveChecker(health("u" + u, nodes), settings(), nodes, node -> new CompletableFuture<>());
                checker.start(timer);
                checkers.add(checker);
            }
            // The first check of each node, by tenth of the interval it falls in.
            int[] perTenth = new int[10];
            long tenth = INTERVAL.toMillis() / 10;
            for (Runnable scheduled : timer.getQueue()) {
                long due = ((Delayed) scheduled).getDelay(TimeUnit.MILLISECONDS);
                perTenth[(int) Math.min(9, Math.max(0, due / tenth))]++;
            }
            assertEquals(upstreams * nodes, IntStream.of(perTenth).sum());
            int even = upstreams * nodes / 10;
            assertTrue(IntStream.of(perTenth).allMatch(n -> n > even * 0.8 && n < even * 1.2),
                    "checks per tenth of the interval, " + even + " each if even: " + Arrays.toString(perTenth));
        } finally {
            release.countDown();
            checkers.forEach(ActiveChecker::close);
            timer.shutdownNow();
        }
    }

    @Test
    void aTimerThatFellBehindPutsTheNextCheckBackInItsPlace() throws Exception {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        AtomicLong firstStarted = new AtomicLong();
        // The first check holds the timer for 300 ms, as a thousand upstreams' first checks did
        // while they built their pools.
        ActiveChecker checker = new ActiveChecker(health("slow", 1), settings(), 1, node -> {
            if (firstStarted.compareAndSet(0, System.nanoTime())) {
                Quietly.sleep(300);
                firstDone.countDown();
            }
            return CompletableFuture.completedFuture(200);
        });
        try {
            checker.start(timer);
            assertTrue(firstDone.await(10, TimeUnit.SECONDS));
            while (timer.getQueue().isEmpty()) {
                Thread.onSpinWait();
            }
            long nextDue = System.nanoTime() + ((Delayed) timer.getQueue().peek()).getDelay(TimeUnit.NANOSECONDS);
            long afterFirst = TimeUnit.NANOSECONDS.toMillis(nextDue - firstStarted.get());
            assertTrue(afterFirst < INTERVAL.toMillis() + 150,
                    "the next check is due one interval after the first was, not after it ended: " + afterFirst + " ms");
        } finally {
            checker.close();
            timer.shutdownNow();
        }
    }



    private static ActiveCheckSettings settings() {
        return new ActiveCheckSettings("/health", INTERVAL, Duration.ofSeconds(1), 200, 399, 1, 1);
    }

    private static UpstreamHealth health(String name, int nodes) {
        int[] weights = new int[nodes];
        Arrays.fill(weights, 1);
        List<String> addresses = IntStream.range(0, nodes).mapToObj(i -> name + "-n" + i + ":80").toList();
        return new UpstreamHealth(name, addresses, weights, new HealthSettings(3, Duration.ofMillis(100), Duration.ofSeconds(1), 50,
                Set.of(502), false, settings()), new HealthRegistry(System::nanoTime));
    }
}
