package dev.sluice.limits.redis;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** An upstream on a loopback port that answers 200 and counts the calls it receives. */
final class Origin implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final AtomicInteger calls = new AtomicInteger();
    private volatile long firstCall;
    private volatile long lastCall;

    Origin() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            long now = System.nanoTime();
            if (calls.getAndIncrement() == 0) {
                firstCall = now;
            }
            lastCall = now;
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int calls() {
        return calls.get();
    }

    /**
     * From the first call received to the last, in seconds: the window the rate applies to, longer
     * than the load's on a busy machine that delivers calls late.
     */
    double seconds() {
        return (lastCall - firstCall) / 1e9;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
