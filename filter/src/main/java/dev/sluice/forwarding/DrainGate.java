package dev.sluice.forwarding;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The way into a relay's serialised part, without a lock: a work-in-progress counter. The thread
 * that signals while no other is inside drains; a thread that finds another draining leaves its
 * signal and returns, and the drainer drains once more for it.
 *
 * <p>It also knows which thread is inside the container's code on the relay's behalf, so that a
 * container thread reporting a client failure can wait for it to leave ({@link #awaitOthersOutOfContainer}).
 */
final class DrainGate {
    /** What runs in the serialised part. */
    interface Drain {
        void drain();
    }

    private static final System.Logger LOG = System.getLogger(DrainGate.class.getName());
    /** How long a container thread reporting a client failure waits for another thread to leave the container's code. */
    private static final long QUIESCE_LIMIT_NANOS = 200_000_000L;
    private static final VarHandle SIGNALS;

    static {
        try {
            SIGNALS = MethodHandles.lookup().findVarHandle(DrainGate.class, "signals", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Drain drain;
    @SuppressWarnings("unused") // through SIGNALS
    private volatile int signals;
    /** The thread inside the serialised part's calls into the container, if any. */
    private volatile Thread inContainer;

    DrainGate(Drain drain) {
        this.drain = drain;
    }

    /** Leaves a signal, and drains unless another thread is draining (it drains once more instead). */
    void signal() {
        if ((int) SIGNALS.getAndAdd(this, 1) == 0) {
            drainLoop();
        }
    }

    /**
     * Takes the serialised part if no other thread is inside, for work of the caller's own
     * between {@link #enterContainer} and {@link #leaveContainer}; it must then call
     * {@link #drainLoop}, which gives the part back.
     */
    boolean tryEnter() {
        return SIGNALS.compareAndSet(this, 0, 1);
    }

    /** The caller, inside the serialised part, is about to call into the container. */
    void enterContainer() {
        inContainer = Thread.currentThread();
    }

    /** The caller is out of the container's code again. */
    void leaveContainer() {
        inContainer = null;
    }

    /** Called holding the one pass into the serialised part; drains until no signal is left. */
    void drainLoop() {
        int missed = 1;
        do {
            inContainer = Thread.currentThread();
            drain.drain();
            inContainer = null;
            missed = (int) SIGNALS.getAndAdd(this, -missed) - missed;
        } while (missed != 0);
    }

    /**
     * Returns once no other thread is inside the container's code on the relay's behalf, or after
     * {@link #QUIESCE_LIMIT_NANOS}. For container threads only: a reactor thread waiting on a
     * container thread that waits for HttpClient would stall every connection of that reactor.
     */
    void awaitOthersOutOfContainer() {
        Thread other = inContainer;
        if (other == null || other == Thread.currentThread()) {
            return;
        }
        long deadline = System.nanoTime() + QUIESCE_LIMIT_NANOS;
        for (int spins = 0; inContainer == other; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else if (System.nanoTime() - deadline > 0) {
                LOG.log(System.Logger.Level.WARNING, "response relay still busy on " + other.getName()
                        + " after the client failed; giving the request back to the container");
                return;
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }
}
