package dev.sluice.forwarding;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Where request bodies are held: the size up to which a body is read whole before the upstream is
 * called ({@code sluice.request-buffer}), and a pool of the fixed-size arrays such bodies are read
 * into.
 *
 * <p>Without the pool every 64 KiB POST cost a fresh, zeroed array of its length, and the
 * collector had to clear them all. A body's arrays come back only
 * once nothing can read them again ({@link BufferedEntity#recycle()}); an array that never comes
 * back, because an exchange failed or was cancelled half-way, is simply left to the collector.
 * The pool holds at most {@link #POOLED} arrays, so what it keeps is bounded whatever the load.
 */
final class BodyBuffers {
    /** Bytes per array: no request holds a larger array than this. */
    static final int CHUNK = 16 * 1024;
    /** Arrays kept for reuse at most: 4 MiB, 64 bodies of 64 KiB in flight at once. */
    static final int POOLED = 256;

    private final int limit;
    private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOLED);

    /** @param limit bytes of a request body read whole before the upstream is called */
    BodyBuffers(int limit) {
        this.limit = limit;
    }

    /** Bytes of a body read whole before the upstream is called, and in flight while streaming. */
    int limit() {
        return limit;
    }

    /** An array of {@link #CHUNK} bytes, recycled when one is free. Its old contents are not cleared. */
    byte[] take() {
        byte[] chunk = free.poll();
        return chunk != null ? chunk : new byte[CHUNK];
    }

    /** Takes an array back for reuse; it must not be read or written by anyone any more. */
    void give(byte[] chunk) {
        free.offer(chunk);
    }

    /** Arrays waiting for reuse. */
    int pooled() {
        return free.size();
    }
}
