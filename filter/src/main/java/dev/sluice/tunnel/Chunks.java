package dev.sluice.tunnel;

import dev.sluice.upstream.TunnelCounters;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes of one direction of a tunnel on their way: a queue of 16 KiB arrays taken as bytes
 * come and dropped as they leave, so an idle tunnel holds none. One thread adds and one takes at
 * a time (each side's own); the lock guards only the queue's structure and is never held while
 * calling out. The bound is the callers': the adding side reads no more than {@link #room} leaves.
 * What it holds is reported to the upstream's counters as it changes, so the status view shows
 * what the tunnels hold and the most one direction ever held.
 */
final class Chunks {
    static final int CHUNK = 16 * 1024;

    private final ArrayDeque<byte[]> arrays = new ArrayDeque<>();
    private final int limit;
    private final TunnelCounters counters;
    private final TunnelCounters.Direction direction;
    private boolean cleared;
    /** Read position in the first array, write position in the last. */
    private int readAt;
    private int writeAt = CHUNK;
    private int size;

    /** @param limit the bytes the adding side may queue ({@code websocket.buffer}) */
    Chunks(int limit, TunnelCounters counters, TunnelCounters.Direction direction) {
        this.limit = limit;
        this.counters = counters;
        this.direction = direction;
    }

    synchronized int size() {
        return size;
    }

    /** How many more bytes the adding side may queue now. */
    synchronized int room() {
        return Math.max(0, limit - size);
    }

    /** Whether the queue has room again for a side stopped at its bound: half of it left. */
    synchronized boolean halfEmpty() {
        return size < limit / 2;
    }

    /** Adds all the bytes of {@code src}. */
    synchronized void put(ByteBuffer src) {
        if (cleared) {
            src.position(src.limit());
            return;
        }
        int before = size;
        while (src.hasRemaining()) {
            byte[] last = lastWithRoom();
            int n = Math.min(src.remaining(), CHUNK - writeAt);
            src.get(last, writeAt, n);
            writeAt += n;
            size += n;
        }
        counters.held(direction, size - before, size);
    }

    /** Adds {@code length} bytes of {@code src} from {@code offset}. */
    synchronized void put(byte[] src, int offset, int length) {
        if (cleared) {
            return;
        }
        int before = size;
        while (length > 0) {
            byte[] last = lastWithRoom();
            int n = Math.min(length, CHUNK - writeAt);
            System.arraycopy(src, offset, last, writeAt, n);
            writeAt += n;
            offset += n;
            length -= n;
            size += n;
        }
        counters.held(direction, size - before, size);
    }

    private byte[] lastWithRoom() {
        if (writeAt == CHUNK) {
            arrays.addLast(new byte[CHUNK]);
            writeAt = 0;
        }
        return arrays.peekLast();
    }

    /** Copies the first bytes into {@code dst} without taking them (see {@link #drop}). */
    synchronized int peek(ByteBuffer dst) {
        int copied = 0;
        int at = readAt;
        int index = 0;
        for (byte[] array : arrays) {
            int end = index == arrays.size() - 1 ? writeAt : CHUNK;
            int n = Math.min(dst.remaining(), end - at);
            dst.put(array, at, n);
            copied += n;
            if (!dst.hasRemaining()) {
                break;
            }
            at = 0;
            index++;
        }
        return copied;
    }

    /**
     * The first bytes in place, as {@code (array, offset, length)} of one array: stable until
     * dropped, as adding never writes before the write position.
     */
    synchronized Slice first() {
        byte[] array = arrays.peekFirst();
        if (array == null || size == 0) {
            return null;
        }
        int end = arrays.size() == 1 ? writeAt : CHUNK;
        return new Slice(array, readAt, end - readAt);
    }

    record Slice(byte[] array, int offset, int length) {
    }

    /** Takes the first {@code count} bytes, which have left. */
    synchronized void drop(int count) {
        if (cleared) {
            return;
        }
        size -= count;
        counters.held(direction, -count, size);
        while (count > 0) {
            int end = arrays.size() == 1 ? writeAt : CHUNK;
            int n = Math.min(count, end - readAt);
            readAt += n;
            count -= n;
            if (readAt == end) {
                arrays.pollFirst();
                readAt = 0;
                if (arrays.isEmpty()) {
                    writeAt = CHUNK;
                }
            }
        }
    }

    /** The tunnel closed: what is left is let go, and nothing is taken any more. */
    synchronized void clear() {
        if (!cleared) {
            cleared = true;
            counters.held(direction, -size, 0);
            arrays.clear();
            size = 0;
            readAt = 0;
            writeAt = CHUNK;
        }
    }
}
