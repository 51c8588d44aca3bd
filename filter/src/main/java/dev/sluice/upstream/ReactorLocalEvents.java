package dev.sluice.upstream;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.locks.Lock;

import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.Command;
import org.apache.hc.core5.reactor.IOEventHandler;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.Timeout;

/**
 * A connection's I/O session whose interest changes, made on its own reactor thread, do not wake
 * that thread's selector. HttpCore wakes the selector on every change of a session's interest,
 * from whichever thread: needed from another thread, which must break the reactor out of its
 * wait, but from the reactor itself it costs a write to the selector's event descriptor, one more
 * round of the reactor's loop and a read to clear it, three times per request (the duplexer asks
 * for output when an answer ends and clears it twice as the request goes out). The reactor
 * applies a change at its next select, which it makes anyway once it has handled its events.
 *
 * <p>Plain connections only: the session is HttpCore's own, whose selection key is reached once
 * per connection by reflection; a session of another kind (TLS wraps it) is left as it is.
 */
final class ReactorLocalEvents implements IOSession {
    private static final System.Logger LOG = System.getLogger(ReactorLocalEvents.class.getName());
    private static volatile KeyField keyField;

    private final IOSession session;
    private final SelectionKey key;
    private final Thread reactor;

    private ReactorLocalEvents(IOSession session, SelectionKey key, Thread reactor) {
        this.session = session;
        this.key = key;
        this.reactor = reactor;
    }

    /**
     * HttpClient's session decorator: called by the reactor as it sets up a connection, so the
     * calling thread is the one that serves it. Anything unexpected leaves the session as it is.
     */
    static IOSession decorate(IOSession session) {
        if (!(Thread.currentThread() instanceof LaneThread)) {
            return session;
        }
        SelectionKey key = keyOf(session);
        return key == null ? session : new ReactorLocalEvents(session, key, Thread.currentThread());
    }

    private static SelectionKey keyOf(IOSession session) {
        KeyField field = keyField;
        if (field == null || field.type != session.getClass()) {
            if (!session.getClass().getSimpleName().equals("IOSessionImpl")) {
                return null;
            }
            field = keyField = KeyField.of(session.getClass());
        }
        return field.handle == null ? null : (SelectionKey) field.handle.get(session);
    }

    /**
     * HttpCore's session class and its selection key field, or no handle where it cannot be read.
     * A plain class: a record's generated methods would be bootstrapped through the JDK's caches.
     */
    private static final class KeyField {
        final Class<?> type;
        final VarHandle handle;

        private KeyField(Class<?> type, VarHandle handle) {
            this.type = type;
            this.handle = handle;
        }

        static KeyField of(Class<?> type) {
            try {
                return new KeyField(type, MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                        .findVarHandle(type, "key", SelectionKey.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "interest changes wake the reactor as HttpCore does", e);
                return new KeyField(type, null);
            }
        }
    }

    @Override
    public void setEvent(int op) {
        if (Thread.currentThread() != reactor) {
            session.setEvent(op);
        } else {
            changeInterest(op, 0);
        }
    }

    @Override
    public void clearEvent(int op) {
        if (Thread.currentThread() != reactor) {
            session.clearEvent(op);
        } else {
            changeInterest(0, op);
        }
    }

    @Override
    public void setEventMask(int ops) {
        if (Thread.currentThread() != reactor) {
            session.setEventMask(ops);
        } else {
            changeInterest(ops, ~ops);
        }
    }

    /** What HttpCore's session does, under its lock and not once closed, less the selector's wake-up. */
    private void changeInterest(int set, int clear) {
        Lock lock = session.getLock();
        lock.lock();
        try {
            if (session.getStatus() != Status.CLOSED) {
                key.interestOps((key.interestOps() | set) & ~clear);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String getId() {
        return session.getId();
    }

    @Override
    public IOEventHandler getHandler() {
        return session.getHandler();
    }

    @Override
    public void upgrade(IOEventHandler handler) {
        session.upgrade(handler);
    }

    @Override
    public Lock getLock() {
        return session.getLock();
    }

    @Override
    public void enqueue(Command command, Command.Priority priority) {
        session.enqueue(command, priority);
    }

    @Override
    public boolean hasCommands() {
        return session.hasCommands();
    }

    @Override
    public Command poll() {
        return session.poll();
    }

    @Override
    public ByteChannel channel() {
        return session.channel();
    }

    @Override
    public SocketAddress getRemoteAddress() {
        return session.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() {
        return session.getLocalAddress();
    }

    @Override
    public int getEventMask() {
        return session.getEventMask();
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public void close(CloseMode closeMode) {
        session.close(closeMode);
    }

    @Override
    public Status getStatus() {
        return session.getStatus();
    }

    @Override
    public Timeout getSocketTimeout() {
        return session.getSocketTimeout();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
        session.setSocketTimeout(timeout);
    }

    @Override
    public long getLastReadTime() {
        return session.getLastReadTime();
    }

    @Override
    public long getLastWriteTime() {
        return session.getLastWriteTime();
    }

    @Override
    public long getLastEventTime() {
        return session.getLastEventTime();
    }

    @Override
    public void updateReadTime() {
        session.updateReadTime();
    }

    @Override
    public void updateWriteTime() {
        session.updateWriteTime();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return session.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return session.write(src);
    }

    @Override
    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public String toString() {
        return session.toString();
    }
}
