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
    private final LongAdder heldToClient = new LongAdder();
    private final LongAdder heldToUpstream = new LongAdder();
    private final AtomicInteger mostHeld = new AtomicInteger();

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

    /** The two ways bytes cross a tunnel. */
    public enum Direction { TO_CLIENT, TO_UPSTREAM }

    /**
     * Bytes one direction of a tunnel took into its queue ({@code change} above zero) or passed
     * on (below zero); {@code nowHeld} is what that direction holds after the change.
     */
    public void held(Direction direction, int change, int nowHeld) {
        (direction == Direction.TO_CLIENT ? heldToClient : heldToUpstream).add(change);
        if (nowHeld > mostHeld.get()) {
            mostHeld.accumulateAndGet(nowHeld, Math::max);
        }
    }

    /** Bytes the open tunnels hold now, on their way to their clients. */
    public long heldToClient() {
        return heldToClient.sum();
    }

    /** Bytes the open tunnels hold now, on their way to the upstream. */
    public long heldToUpstream() {
        return heldToUpstream.sum();
    }

    /** The most bytes one direction of one tunnel held at once, since the upstream started. */
    public int mostHeld() {
        return mostHeld.get();
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
