import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.Executors;

/**
 * The benchmark's Java origin, on loopback only; run with {@code java BenchOrigin.java PORT}.
 *
 * <ul>
 *   <li>{@code GET /delay}: waits 200 ms, then 1 KiB (S4: does the proxy hold a thread per request?)</li>
 *   <li>{@code POST /echo}: streams the request body back (S3)</li>
 *   <li>{@code GET /bytes?n=N}: N bytes with a Content-Length, streamed (S5 download)</li>
 *   <li>{@code POST /sink}: reads and discards the body, answers its length (S5 upload)</li>
 * </ul>
 * A thread per in-flight request, so 1000 sleeping requests need 1000 threads: it is the origin,
 * not the thing under test.
 */
public final class BenchOrigin {
    private static final byte[] KIB = new byte[1024];

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/delay", exchange -> {
            drain(exchange.getRequestBody());
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(exchange, KIB);
        });
        server.createContext("/echo", exchange -> {
            long length = Long.parseLong(exchange.getRequestHeaders().getFirst("Content-Length"));
            exchange.sendResponseHeaders(200, length);
            try (OutputStream out = exchange.getResponseBody(); InputStream in = exchange.getRequestBody()) {
                in.transferTo(out);
            }
        });
        server.createContext("/bytes", exchange -> {
            long n = Long.parseLong(exchange.getRequestURI().getQuery().replace("n=", ""));
            drain(exchange.getRequestBody());
            exchange.sendResponseHeaders(200, n);
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) 'x');
            try (OutputStream out = exchange.getResponseBody()) {
                for (long left = n; left > 0; left -= block.length) {
                    out.write(block, 0, (int) Math.min(block.length, left));
                }
            }
        });
        server.createContext("/sink", exchange -> {
            long read = drain(exchange.getRequestBody());
            send(exchange, (read + "\n").getBytes());
        });
        server.start();
        System.out.println("bench origin on 127.0.0.1:" + port);
    }

    private static long drain(InputStream in) throws IOException {
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0;) {
            total += n;
        }
        return total;
    }

    private static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
