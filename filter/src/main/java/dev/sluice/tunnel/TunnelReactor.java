package dev.sluice.tunnel;

import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.DefaultConnectingIOReactor;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The I/O thread of a filter's tunnels: one HttpCore reactor, its own, serving the upstream side
 * of every tunnel of every upstream. Started at the first handshake, stopped with the filter.
 */
final class TunnelReactor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TunnelReactor.class.getName());

    private final DefaultConnectingIOReactor reactor;
    private volatile boolean closing;

    TunnelReactor(String name) {
        IOReactorConfig config = IOReactorConfig.custom()
                .setIoThreadCount(1)
                .setTcpNoDelay(true)
                .setSoKeepAlive(true)
                .setSelectInterval(TimeValue.ofMilliseconds(250))
                .build();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "sluice-tunnels " + name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            thread.setContextClassLoader(null);
            return thread;
        };
        reactor = new DefaultConnectingIOReactor((session, attachment) -> ((UpstreamLeg) attachment).bind(session), config,
                threads, null, this::failed, null, null);
        reactor.start();
    }

    /** Opens a connection to the node for the attempt; the outcome comes to the attempt's handler. */
    void connect(HttpHost node, UpstreamLeg leg, Timeout connectTimeout) {
        reactor.connect(node, new InetSocketAddress(node.getHostName(), node.getPort()), null, connectTimeout, leg,
                leg.connectOutcome());
    }

    /** A failure of the reactor's thread; the one its own selector's closing causes as the filter stops is expected. */
    private void failed(Exception e) {
        LOG.log(closing ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, "tunnel reactor: " + e, e);
    }

    @Override
    public void close() {
        closing = true;
        reactor.close(CloseMode.IMMEDIATE);
    }
}
