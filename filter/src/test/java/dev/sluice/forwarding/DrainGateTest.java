package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Quietly;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** One thread at a time in the serialised part, and no signal lost. */
class DrainGateTest {

    @Test
    void aSignalWhileAnotherThreadDrainsMakesThatThreadDrainOnceMore() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger drains = new AtomicInteger();
        DrainGate gate = new DrainGate(() -> {
            if (drains.incrementAndGet() == 1) {
                inside.countDown();
                Quietly.await(release, 5_000);
            }
        });
        Thread first = new Thread(gate::signal);
        first.start();
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        gate.signal(); // returns at once: the first thread is draining
        assertEquals(1, drains.get());
        release.countDown();
        first.join(5_000);
        assertEquals(2, drains.get(), "the first thread drained again for the second signal");
    }

    @Test
    void theSerialisedPartIsTakenOnlyWhenNobodyIsInside() {
        AtomicInteger drains = new AtomicInteger();
        DrainGate gate = new DrainGate(drains::incrementAndGet);
        assertTrue(gate.tryEnter());
        gate.signal();
        assertFalse(gate.tryEnter());
        assertEquals(0, drains.get(), "the signal was left for the thread inside");
        gate.drainLoop();
        assertEquals(2, drains.get(), "its own pass and the signal's");
        assertTrue(gate.tryEnter(), "given back");
    }

    @Test
    void aContainerThreadWaitsUntilTheOtherThreadIsOutOfTheContainer() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DrainGate gate = new DrainGate(() -> {
            inside.countDown();
            Quietly.await(release, 5_000);
        });
        Thread drainer = new Thread(gate::signal);
        drainer.start();
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        Thread releaser = new Thread(() -> {
            Quietly.sleep(50);
            release.countDown();
        });
        releaser.start();
        long start = System.nanoTime();
        gate.awaitOthersOutOfContainer();
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "returned before the drainer left");
        assertEquals(0, release.getCount());
        drainer.join(5_000);
    }
}
