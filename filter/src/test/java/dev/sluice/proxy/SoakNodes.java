package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The soak's upstream nodes and what they answer. Every answer is a function of the request's
 * {@code id} and {@code len} query parameters, so the client can tell a right answer from a
 * truncated one or another request's. A good node answers every path correctly; the faulty node
 * breaks, on the fault paths only, in the way the path names. The paths are the last segment, as
 * {@link OriginBehaviours} dispatches them; a POST to {@code echo} gets {@link Handlers#echo()}.
 */
final class SoakNodes {
    /** The faults the faulty node plays, each named by the path that asks for it. */
    enum Fault {
        RESET_BEFORE("reset-before"), RESET_MID("reset-mid"), SHORT("short"), CHUNK_CUT("chunk-cut"),
        GARBAGE("garbage"), STALL("stall"), SLOW_FIRST_BYTE("slow-first-byte");

        final String path;

        Fault(String path) {
            this.path = path;
        }
    }

    /** Longer than the soak upstream's {@code timeout}, so that a slow first byte is a timeout. */
    static final long SLOW_FIRST_BYTE_MILLIS = 2_500;
    static final int SSE_EVENTS = 10;

    private SoakNodes() {
    }

    /** A node that answers every path correctly. */
    static OriginBehaviours good() {
        OriginBehaviours node = new OriginBehaviours();
        node.on("bytes", seededBytes());
        node.on("sse", events());
        node.on("health", Handlers.fixed(200, "text/plain", "up".getBytes(US_ASCII)));
        for (Fault fault : Fault.values()) {
            node.on(fault.path, seededBytes());
        }
        return node;
    }

    /** A node that breaks on the fault paths, and is otherwise good. */
    static OriginBehaviours faulty() {
        OriginBehaviours node = good();
        node.on(Fault.RESET_BEFORE.path, exchange -> {
            exchange.body().transferTo(OutputStream.nullOutputStream());
            exchange.response().closeAbruptly();
        });
        node.on(Fault.RESET_MID.path, exchange -> halfThen(exchange).closeAbruptly());
        node.on(Fault.SHORT.path, exchange -> halfThen(exchange).closeNow());
        node.on(Fault.CHUNK_CUT.path, exchange -> {
            Query query = Query.of(exchange);
            TestOrigin.Response response = exchange.response().header("X-Soak-Id", Long.toString(query.id));
            response.startChunked();
            response.chunk(Handlers.stream(query.length / 2, query.id).readAllBytes());
            response.closeNow();
        });
        node.on(Fault.GARBAGE.path, exchange -> {
            exchange.response().writeRaw("HTTP/1.1 2OO Fine\r\n\0\u0001 garbage\r\nContent-Length: -3\r\n\r\n".getBytes(US_ASCII));
            exchange.response().closeNow();
        });
        node.on(Fault.STALL.path, exchange -> {
            Query query = Query.of(exchange);
            TestOrigin.Response response = exchange.response().header("X-Soak-Id", Long.toString(query.id));
            response.startFixed(query.length);
            response.flush();
            exchange.awaitPeerClose();
        });
        node.on(Fault.SLOW_FIRST_BYTE.path, Handlers.delayed(SLOW_FIRST_BYTE_MILLIS, seededBytes()));
        return node;
    }

    /** A good node whose active health check answers 503 while {@code healthy} is false. */
    static OriginBehaviours flapping(AtomicBoolean healthy) {
        OriginBehaviours node = good();
        byte[] up = "up".getBytes(US_ASCII);
        byte[] down = "down".getBytes(US_ASCII);
        node.on("health", exchange -> {
            boolean now = healthy.get();
            Handlers.fixed(now ? 200 : 503, "text/plain", now ? up : down).handle(exchange);
        });
        return node;
    }

    /** A loopback port nothing listens on: a node that refuses every connection. */
    static int refusingPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The body every node sends for this request: {@code len} bytes seeded by the request's id. */
    static InputStream body(long id, long length) {
        return Handlers.stream(length, id);
    }

    /** The event stream's text for this request. */
    static String events(long id) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < SSE_EVENTS; i++) {
            text.append("id: ").append(i).append("\ndata: ").append(id).append('-').append(i).append("\n\n");
        }
        return text.toString();
    }

    private static TestOrigin.Handler seededBytes() {
        return exchange -> {
            Query query = Query.of(exchange);
            exchange.body().transferTo(OutputStream.nullOutputStream());
            TestOrigin.Response response = exchange.response().header("X-Soak-Id", Long.toString(query.id))
                    .header("Content-Type", "application/octet-stream");
            response.startFixed(query.length);
            byte[] buffer = new byte[32 * 1024];
            try (InputStream in = body(query.id, query.length)) {
                for (int n; (n = in.read(buffer)) > 0;) {
                    response.write(buffer, 0, n);
                    response.flush();
                }
            }
        };
    }

    private static TestOrigin.Handler events() {
        return exchange -> {
            Query query = Query.of(exchange);
            TestOrigin.Response response = exchange.response().header("X-Soak-Id", Long.toString(query.id))
                    .header("Content-Type", "text/event-stream");
            response.startChunked();
            for (String event : events(query.id).split("(?<=\n\n)")) {
                response.chunk(event.getBytes(US_ASCII));
                Thread.sleep(10);
            }
            response.endChunked();
        };
    }

    /** Sends the head and half the body, flushed, for a fault to end the connection after. */
    private static TestOrigin.Response halfThen(TestOrigin.Exchange exchange) throws IOException {
        Query query = Query.of(exchange);
        TestOrigin.Response response = exchange.response().header("X-Soak-Id", Long.toString(query.id));
        response.startFixed(query.length);
        response.write(Handlers.stream(query.length / 2, query.id).readAllBytes());
        response.flush();
        return response;
    }

    /** The request's {@code id} and {@code len} query parameters. */
    private record Query(long id, int length) {
        static Query of(TestOrigin.Exchange exchange) {
            String target = exchange.request().target();
            long id = 0;
            int length = 0;
            int question = target.indexOf('?');
            for (String pair : question < 0 ? List.<String>of() : List.of(target.substring(question + 1).split("&"))) {
                if (pair.startsWith("id=")) {
                    id = Long.parseLong(pair.substring(3));
                } else if (pair.startsWith("len=")) {
                    length = Integer.parseInt(pair.substring(4));
                }
            }
            return new Query(id, length);
        }
    }
}
