package dev.sluice.upstream;


import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream lane's I/O thread, which keeps one scratch buffer for sending request bodies. A body
 * lies in several arrays: read whole, in pooled 16 KiB arrays;
 * streamed, in one array per read of the client, 8 KiB in Tomcat. Written one array at a time, a
 * 64 KiB body read whole cost four socket writes, and on loopback each write also runs the
 * receiver's side of TCP and wakes it: 20 µs of the 64 KiB echo's 290 µs per request against a
 * body sent from one array (measured in docs/dev/performance-log.md). Gathered here first, whatever is
 * waiting goes out in one write.
 *
 * <p>The buffer is direct, so the JDK writes it as it is instead of first copying each array into
 * a direct buffer of its own. One per thread suffices because HttpClient's channel has taken
 * (written, or copied into its own buffer) what it accepts before {@code write} returns.
 */
public final class LaneThread extends Thread {
    /** Bytes gathered per write: a default {@code sluice.request-buffer} body at once. */
    static final int STAGING = 64 * 1024;

    private ByteBuffer staging;

    private LaneThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    /** Makes daemon lane threads named {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory factory(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> new LaneThread(task, prefix + "-" + count.incrementAndGet());
    }

    /**
     * The bytes of {@code chunks} gathered into a staging buffer, as many as fit, ready to be
     * written; the first chunk from {@code offset} bytes past its position. The chunks' positions
     * are left alone. The buffer may be used until the caller returns to HttpClient.
     */
    public static ByteBuffer gather(Iterator<ByteBuffer> chunks, int offset) {
        ByteBuffer staging = staging();
        for (int skip = offset; chunks.hasNext() && staging.hasRemaining(); skip = 0) {
            ByteBuffer chunk = chunks.next();
            int n = Math.min(chunk.remaining() - skip, staging.remaining());
            staging.put(staging.position(), chunk, chunk.position() + skip, n).position(staging.position() + n);
        }
        return staging.flip();
    }

    /** An empty buffer of {@link #STAGING} bytes: the thread's own on a lane thread, a fresh one on any other. */
    private static ByteBuffer staging() {
        if (Thread.currentThread() instanceof LaneThread lane) {
            if (lane.staging == null) {
                lane.staging = ByteBuffer.allocateDirect(STAGING);
            }
            return lane.staging.clear();
        }
        return ByteBuffer.allocate(STAGING);
    }
}
