package dev.sluice.forwarding;

import java.nio.ByteBuffer;

/**
 * Response bytes that arrived while the client could not take them, kept in one contiguous array
 * to be written, in order, once the container says the client can take more.
 *
 * <p>Appends come from HttpClient's reactor thread, takes from whichever thread drains the relay;
 * the lock covers array copies and swaps only, never a call into the container. The array grows
 * to what flow control lets in (the upstream window) and two arrays are recycled between
 * appending and writing, so a steady transfer allocates nothing.
 */
final class PendingBytes {
    private static final byte[] NONE = new byte[0];

    private byte[] filling = NONE;
    /** Written under the lock; volatile so that {@link #isEmpty}, asked on every pass of the relay, needs none. */
    private volatile int length;
    private byte[] spare = NONE;

    synchronized void append(ByteBuffer src) {
        int n = src.remaining();
        if (filling.length - length < n) {
            byte[] larger = new byte[Math.max(length + n, filling.length * 2)];
            System.arraycopy(filling, 0, larger, 0, length);
            filling = larger;
        }
        src.get(filling, length, n);
        length += n;
    }

    boolean isEmpty() {
        return length == 0;
    }

    /**
     * Takes everything appended so far.
     *
     * @return the bytes, or {@code null} when there are none; hand the buffer back to
     *         {@link #recycle} once written
     */
    synchronized ByteBuffer take() {
        if (length == 0) {
            return null;
        }
        ByteBuffer taken = ByteBuffer.wrap(filling, 0, length);
        filling = spare;
        spare = NONE;
        length = 0;
        return taken;
    }

    /** Gives back a buffer from {@link #take} whose bytes the container has taken. */
    synchronized void recycle(ByteBuffer written) {
        if (written.capacity() > spare.length) {
            spare = written.array();
        }
    }

    synchronized void clear() {
        filling = NONE;
        spare = NONE;
        length = 0;
    }
}
