package dev.sluice.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Running totals of an upstream's WebSocket tunnels, for the status view and JMX. */
public final class TunnelCounters {
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder opened = new LongAdder();
    private final LongAdder closedByClient = new LongAdder();
    private final LongAdder closedByUpstream = new LongAdder();
    private final LongAdder closedIdle = new LongAdder();
    private final LongAdder refused = new LongAdder();

    TunnelCounters() {
    }

    /**
     * Takes a place for a tunnel if fewer than {@code max} are open or being opened; the place is
     * given back by {@link #released}.
     */
    public boolean reserve(int max) {
        while (true) {
            int now = open.get();
            if (now >= max) {
                refused.increment();
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A place taken by {@link #reserve} whose handshake did not end in a tunnel, or whose tunnel closed. */
    public void released() {
        open.decrementAndGet();
    }

    /** A handshake the upstream accepted: the tunnel is open. */
    public void countOpened() {
        opened.increment();
    }

    /** Which side ended a tunnel. */
    public enum Closer { CLIENT, UPSTREAM, IDLE }

    public void countClosed(Closer by) {
        (by == Closer.CLIENT ? closedByClient : by == Closer.UPSTREAM ? closedByUpstream : closedIdle).increment();
    }

    /** Tunnels open now, with handshakes under way. */
    public int open() {
        return open.get();
    }

    public long opened() {
        return opened.sum();
    }

    public long closedByClient() {
        return closedByClient.sum();
    }

    public long closedByUpstream() {
        return closedByUpstream.sum();
    }

    public long closedIdle() {
        return closedIdle.sum();
    }

    /** Handshakes answered 503 because {@code websocket.max-connections} were open. */
    public long refused() {
        return refused.sum();
    }
}
