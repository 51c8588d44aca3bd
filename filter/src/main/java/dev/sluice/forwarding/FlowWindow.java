package dev.sluice.forwarding;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.apache.hc.core5.http.nio.CapacityChannel;

/**
 * HttpClient's flow-control window for one response: HttpClient stops reading the upstream socket
 * when the window (the upstream's {@code response-buffer}) is used up, and bytes are given back to
 * it only once the servlet output accepted them, so a slow client slows the upstream instead of
 * filling the heap.
 *
 * <p>Accepted bytes are counted from any thread; bytes written while the client was slow, and
 * {@link #settle} and {@link #settleOwed}, belong to the relay's serialised part.
 */
final class FlowWindow {
    private static final System.Logger LOG = System.getLogger(FlowWindow.class.getName());
    private static final VarHandle UNSETTLED;

    static {
        try {
            UNSETTLED = MethodHandles.lookup().findVarHandle(FlowWindow.class, "unsettled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Credit owed to HttpClient's window before it is worth a wake-up of the reactor: half the window. */
    private final int settleAt;
    private volatile CapacityChannel channel;
    /** Bytes the client side accepted and HttpClient has not been given back yet. */
    @SuppressWarnings("unused") // through UNSETTLED
    private volatile int unsettled;
    /** Serialised part only: bytes written while the client could not take more, not yet accepted. */
    private int owed;

    /** @param window the window HttpClient starts each response with */
    FlowWindow(int window) {
        this.settleAt = window / 2;
    }

    /** HttpClient ran out of window and asks for more: whatever is owed is returned now. */
    void channel(CapacityChannel channel) throws IOException {
        this.channel = channel;
        settle(true);
    }

    /** Counts bytes the client side accepted, to be returned to HttpClient's window. */
    void accepted(int bytes) {
        UNSETTLED.getAndAdd(this, bytes);
    }

    /** Bytes the container took while it said the client could take no more: accepted once it is ready again. */
    void writtenAhead(int bytes) {
        owed += bytes;
    }

    /** The client is ready again: what it was written meanwhile counts as accepted. */
    void settleOwed() {
        if (owed > 0) {
            accepted(owed);
            owed = 0;
        }
    }

    /** Whether bytes written while the client was slow are still to be accepted. */
    boolean owes() {
        return owed > 0;
    }

    /** Returns accepted bytes to HttpClient once half the window is owed. */
    void settle() throws IOException {
        settle(false);
    }

    /**
     * Returns window to HttpClient only for bytes the client side accepted, never more. From a
     * container thread every update wakes the reactor, so credit is kept until half the window is
     * owed: until then the reactor still has window to read with. When the window runs out
     * HttpClient asks through {@link #channel}, and whatever is owed is returned then.
     */
    private void settle(boolean askedFor) throws IOException {
        CapacityChannel current = channel;
        if (current != null && (askedFor || unsettled >= settleAt)) {
            int bytes = (int) UNSETTLED.getAndSet(this, 0);
            if (bytes > 0) {
                current.update(bytes);
            }
        }
    }

    /**
     * An upstream paused by flow control would sit on its pooled connection until the socket
     * timeout, cancelled or not: reopening the window lets the next read reach the relay, which
     * fails the exchange at once.
     */
    void reopen() {
        CapacityChannel current = channel;
        if (current != null) {
            try {
                current.update(Integer.MAX_VALUE / 2);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "upstream connection already closed", e);
            }
        }
    }
}
