package dev.sluice.tunnel;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes of one direction of a tunnel on their way: a queue of 16 KiB arrays taken as bytes
 * come and dropped as they leave, so an idle tunnel holds none. One thread adds and one takes at
 * a time (each side's own); the lock guards only the queue's structure and is never held while
 * calling out. The bound is the callers': the adding side stops reading at {@link #size} over it.
 */
final class Chunks {
    static final int CHUNK = 16 * 1024;

    private final ArrayDeque<byte[]> arrays = new ArrayDeque<>();
    /** Read position in the first array, write position in the last. */
    private int readAt;
    private int writeAt = CHUNK;
    private int size;

    synchronized int size() {
        return size;
    }

    /** Adds all the bytes of {@code src}. */
    synchronized void put(ByteBuffer src) {
        while (src.hasRemaining()) {
            byte[] last = room();
            int n = Math.min(src.remaining(), CHUNK - writeAt);
            src.get(last, writeAt, n);
            writeAt += n;
            size += n;
        }
    }

    /** Adds {@code length} bytes of {@code src} from {@code offset}. */
    synchronized void put(byte[] src, int offset, int length) {
        while (length > 0) {
            byte[] last = room();
            int n = Math.min(length, CHUNK - writeAt);
            System.arraycopy(src, offset, last, writeAt, n);
            writeAt += n;
            offset += n;
            length -= n;
            size += n;
        }
    }

    private byte[] room() {
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
        size -= count;
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
}
