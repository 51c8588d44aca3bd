package dev.sluice.tunnel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one side's work on whichever thread signals, one thread at a time, without a lock: a
 * thread that finds another one working leaves its signal and returns, and the worker runs again
 * until no signal is left. No thread ever waits here, so none can hold a container's socket lock
 * while waiting for ours.
 */
final class Pump {
    private final AtomicInteger signals = new AtomicInteger();
    private final Runnable work;

    Pump(Runnable work) {
        this.work = work;
    }

    void signal() {
        if (signals.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            work.run();
            missed = signals.addAndGet(-missed);
        } while (missed != 0);
    }
}
