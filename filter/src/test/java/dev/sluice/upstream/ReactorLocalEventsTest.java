package dev.sluice.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

import org.apache.hc.core5.function.Callback;
import org.apache.hc.core5.reactor.IOSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interest changes a reactor makes on its own sessions wait for its next select instead of waking
 * its selector; changes from other threads still wake it. Checked on HttpCore's own session over a
 * real loopback connection whose peer sends nothing, with a selector standing for the reactor's:
 * a woken selector returns from {@code select} at once, an asleep one waits out its timeout.
 */
class ReactorLocalEventsTest {
    private static final long WAIT_MILLIS = 300;

    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel peer;
    private Selector selector;
    private SelectionKey key;
    private IOSession session;

    @BeforeEach
    void connect() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(server.getLocalAddress());
        peer = server.accept();
        client.configureBlocking(false);
        selector = Selector.open();
        key = client.register(selector, SelectionKey.OP_READ);
        session = httpCoresSession(key, client);
    }

    @AfterEach
    void close() throws IOException {
        selector.close();
        client.close();
        peer.close();
        server.close();
    }

    @Test
    void anInterestChangeOnTheReactorThreadLeavesItsSelectorAsleep() throws Exception {
        long waited = onLaneThread(() -> {
            IOSession decorated = ReactorLocalEvents.decorate(session);
            decorated.clearEvent(SelectionKey.OP_WRITE);
            decorated.setEvent(SelectionKey.OP_READ);
            return millisSelecting();
        });
        assertTrue(waited >= WAIT_MILLIS - 50, "the selector was woken after " + waited + " ms");
    }

    @Test
    void anInterestChangeOnTheReactorThreadTakesEffectAtItsNextSelect() throws Exception {
        int ready = onLaneThread(() -> {
            ReactorLocalEvents.decorate(session).setEvent(SelectionKey.OP_WRITE);
            selector.select(WAIT_MILLIS);
            return key.readyOps();
        });
        assertEquals(SelectionKey.OP_WRITE, ready & SelectionKey.OP_WRITE);
        assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE, key.interestOps());
    }

    @Test
    void anInterestChangeFromAnotherThreadWakesTheSelector() throws Exception {
        IOSession decorated = onLaneThread(() -> ReactorLocalEvents.decorate(session));
        decorated.clearEvent(SelectionKey.OP_WRITE);
        long waited = millisSelecting();
        assertTrue(waited < WAIT_MILLIS - 50, "the selector slept " + waited + " ms");
    }

    @Test
    void aSessionSetUpOffALaneThreadIsLeftAsItIs() {
        assertSame(session, ReactorLocalEvents.decorate(session));
    }

    @Test
    void httpCoresSessionOnALaneThreadIsDecorated() throws Exception {
        assertInstanceOf(ReactorLocalEvents.class, onLaneThread(() -> ReactorLocalEvents.decorate(session)));
    }

    private long millisSelecting() throws IOException {
        long start = System.nanoTime();
        selector.select(WAIT_MILLIS);
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static <T> T onLaneThread(Callable<T> task) throws Exception {
        FutureTask<T> result = new FutureTask<>(task);
        Thread lane = LaneThread.factory("test-lane").newThread(result);
        lane.start();
        return result.get();
    }

    /** HttpCore's own session class, as its reactor makes one for a connection. */
    private static IOSession httpCoresSession(SelectionKey key, SocketChannel channel) throws Exception {
        Class<?> type = Class.forName("org.apache.hc.core5.reactor.IOSessionImpl");
        Constructor<?> make = type.getDeclaredConstructor(String.class, SelectionKey.class, SocketChannel.class, Callback.class);
        make.setAccessible(true);
        Callback<IOSession> closed = closedSession -> { };
        return (IOSession) make.newInstance("c-test", key, channel, closed);
    }
}
