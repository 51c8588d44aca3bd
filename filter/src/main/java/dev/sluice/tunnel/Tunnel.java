package dev.sluice.tunnel;

import dev.sluice.container.UpgradedConnection;
import dev.sluice.upstream.TunnelCounters;
import dev.sluice.upstream.TunnelCounters.Closer;
import dev.sluice.upstream.TunnelCounters.Direction;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOSession;

/**
 * One spliced connection: bytes from the client go to the upstream and back, unchanged, through
 * a bounded queue per direction. The client side is the container's upgraded connection, served
 * by its non-blocking listeners; the upstream side is an HttpCore I/O session, served on the
 * tunnel reactor's thread ({@link UpstreamLeg}). A side that stops reading stops the other side's
 * reading once its queue holds {@code websocket.buffer} bytes, so a fast sender never grows the
 * heap beyond it. A side that ends has what it sent delivered, then both close; a side that fails
 * closes both at once.
 */
final class Tunnel {
    private static final System.Logger LOG = System.getLogger(Tunnel.class.getName());
    private static final ThreadLocal<byte[]> READ_ARRAY = ThreadLocal.withInitial(() -> new byte[Chunks.CHUNK]);
    private static final ThreadLocal<ByteBuffer> WRITE_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(64 * 1024));

    final Chunks toUpstream;
    final Chunks toClient;
    private final TunnelCounters counters;
    private final Pump clientReader = new Pump(this::readClient);
    private final Pump clientWriter = new Pump(this::writeClient);
    private final AtomicBoolean upstreamPaused = new AtomicBoolean();
    /** A container dispatch to write to the client is asked for and has not started yet. */
    private final AtomicBoolean writeDispatched = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    /** Set as the container is asked to switch protocols: from then on the tunnel counts as open. */
    private volatile boolean opened;
    private volatile IOSession session;
    private volatile WebConnection connection;
    private volatile ServletInputStream in;
    private volatile ServletOutputStream out;
    private volatile boolean clientEnded;
    private volatile boolean upstreamEnded;
    private volatile boolean clientStalled;

    Tunnel(int limit, TunnelCounters counters) {
        this.toUpstream = new Chunks(limit, counters, Direction.TO_UPSTREAM);
        this.toClient = new Chunks(limit, counters, Direction.TO_CLIENT);
        this.counters = counters;
    }

    /** The upstream answered 101 on this session: from now on it carries the tunnel. */
    void upstreamOpened(IOSession upstream) {
        this.session = upstream;
    }

    /** The container switched protocols: the client side, on a container thread. */
    void clientOpened(WebConnection webConnection) throws IOException {
        ServletInputStream input = webConnection.getInputStream();
        ServletOutputStream output = webConnection.getOutputStream();
        this.connection = webConnection;
        this.in = input;
        this.out = output;
        if (closed.get()) {
            UpgradedConnection.close(webConnection, output);
            return;
        }
        input.setReadListener(new ReadListener() {
            @Override
            public void onDataAvailable() {
                clientReader.signal();
            }

            @Override
            public void onAllDataRead() {
                clientEnded();
            }

            @Override
            public void onError(Throwable t) {
                failed(Closer.CLIENT, t);
            }
        });
        output.setWriteListener(new WriteListener() {
            @Override
            public void onWritePossible() {
                clientWriter.signal();
            }

            @Override
            public void onError(Throwable t) {
                failed(Closer.CLIENT, t);
            }
        });
    }

    // ---- client side: container threads only, one at a time per direction (Pump)

    private void readClient() {
        ServletInputStream input = in;
        if (input == null || closed.get() || clientEnded) {
            return;
        }
        try {
            byte[] array = READ_ARRAY.get();
            int room;
            // never more than the room left: the queue holds at most websocket.buffer bytes
            while ((room = toUpstream.room()) > 0) {
                if (input.isFinished()) {
                    clientEnded();
                    return;
                }
                if (!input.isReady()) {
                    return;
                }
                int n = input.read(array, 0, Math.min(array.length, room));
                if (n < 0) {
                    clientEnded();
                    return;
                }
                toUpstream.put(array, 0, n);
                session.setEvent(SelectionKey.OP_WRITE);
            }
            clientStalled = true;
            if (toUpstream.halfEmpty()) {
                // the reactor drained the queue before it could see the flag
                clientStalled = false;
                clientReader.signal();
            }
        } catch (IOException | RuntimeException e) {
            failed(Closer.CLIENT, e);
        }
    }

    private void clientEnded() {
        clientEnded = true;
        IOSession upstream = session;
        if (upstream != null) {
            upstream.setEvent(SelectionKey.OP_WRITE);
        }
    }

    private void writeClient() {
        writeDispatched.set(false);
        ServletOutputStream output = out;
        if (output == null || closed.get()) {
            return;
        }
        try {
            Chunks.Slice slice;
            while ((slice = toClient.first()) != null) {
                if (!output.isReady()) {
                    return;
                }
                output.write(slice.array(), slice.offset(), slice.length());
                toClient.drop(slice.length());
                resumeUpstreamReads();
            }
            // Tomcat keeps a write smaller than its buffer there until flushed, and calls
            // onWritePossible again with those bytes still in it: flushed on every pass that
            // finds the queue empty, or the last bytes of a burst would wait for the next one.
            if (output.isReady()) {
                output.flush();
            }
            if (upstreamEnded && toClient.size() == 0 && !UpgradedConnection.hasDataToWrite(output)) {
                finish(Closer.UPSTREAM);
            }
        } catch (IOException | RuntimeException e) {
            failed(Closer.CLIENT, e);
        }
    }

    // ---- upstream side: the reactor thread

    /** Bytes read from the upstream, queued for the client. */
    void fromUpstream(ByteBuffer bytes) {
        toClient.put(bytes);
    }

    /** How many more of the upstream's bytes the queue toward the client may take now. */
    int clientRoom() {
        return toClient.room();
    }

    /** Stops reading the upstream until the client has taken half of what waits for it. */
    void pauseUpstreamReads() {
        session.clearEvent(SelectionKey.OP_READ);
        upstreamPaused.set(true);
        resumeUpstreamReads();
    }

    private void resumeUpstreamReads() {
        if (toClient.halfEmpty() && upstreamPaused.compareAndSet(true, false)) {
            session.setEvent(SelectionKey.OP_READ);
        }
    }

    /**
     * Bytes for the client were queued, on the reactor thread: the container is asked to write
     * them on one of its threads (once per burst), as it serves an upgraded connection safely
     * only there. Before the client side is open there is nothing to ask: the container calls
     * {@code onWritePossible} as the write listener is set.
     */
    void signalClient() {
        ServletOutputStream output = out;
        if (output != null && writeDispatched.compareAndSet(false, true) && !UpgradedConnection.dispatchWrite(output)) {
            failed(Closer.CLIENT, new IOException("the container cannot be asked to write to the client"));
        }
    }

    /** The upstream ended its side: what it sent goes to the client, then both close. */
    void upstreamEnded() {
        upstreamEnded = true;
        signalClient();
    }

    /** Sends what the client sent; on the reactor thread, when the session can take bytes. */
    void writeUpstream(IOSession upstream) throws IOException {
        ByteBuffer buffer = WRITE_BUFFER.get();
        while (true) {
            buffer.clear();
            int n = toUpstream.peek(buffer);
            if (n == 0) {
                break;
            }
            buffer.flip();
            int written = upstream.write(buffer);
            if (written > 0) {
                toUpstream.drop(written);
            }
            if (written < n) {
                resumeClientReads();
                return;
            }
        }
        upstream.clearEvent(SelectionKey.OP_WRITE);
        if (toUpstream.size() > 0) {
            upstream.setEvent(SelectionKey.OP_WRITE);
        } else if (clientEnded) {
            finish(Closer.CLIENT);
            return;
        }
        resumeClientReads();
    }

    /**
     * The client's reader stopped with its queue full; now there is room again. The container
     * reads only on its own threads, so it is asked to call the reader again rather than the
     * reader being run here.
     */
    private void resumeClientReads() {
        if (clientStalled && toUpstream.halfEmpty()) {
            clientStalled = false;
            if (!UpgradedConnection.dispatchRead(in)) {
                failed(Closer.CLIENT, new IOException("the container cannot be asked to read the client again"));
            }
        }
    }

    /** No byte either way for {@code websocket.idle-timeout}. */
    void idle() {
        finish(Closer.IDLE);
    }

    void failed(Closer side, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, () -> "tunnel closed by a failure on the " + side + " side", cause);
        finish(side);
    }

    /** The container ended the upgraded connection. */
    void clientClosed() {
        finish(Closer.CLIENT);
    }

    /** Closes both sides once, counting which one ended the tunnel. */
    void finish(Closer by) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (opened) {
            counters.countClosed(by);
        }
        release();
        toUpstream.clear();
        toClient.clear();
        IOSession upstream = session;
        if (upstream != null) {
            upstream.close(by == Closer.UPSTREAM ? CloseMode.IMMEDIATE : CloseMode.GRACEFUL);
        }
        WebConnection client = connection;
        if (client != null) {
            UpgradedConnection.close(client, out);
        }
    }

    /** The container is about to switch protocols: the tunnel is open. */
    void opened() {
        opened = true;
        counters.countOpened();
    }

    /** Gives back the place the handshake took under {@code websocket.max-connections}, once. */
    void release() {
        if (released.compareAndSet(false, true)) {
            counters.released();
        }
    }
}
