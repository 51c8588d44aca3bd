package dev.sluice.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The example's demo upstream services. {@code GET /download?size=N} streams N bytes (at most
 * 1 GiB), to watch a large answer pass through Sluice; any other request is answered with the
 * service's name, the request line and the headers it received, so a {@code curl} through Sluice
 * shows the load spreading and the header rewriting. HEAD gets the same headers, Content-Length
 * included, without the body. Started by {@code mvn -Pexample -DskipTests verify}; listens on loopback only.
 */
public final class DemoUpstreams {
    static final long MAX_DOWNLOAD = 1L << 30;
    private static final byte[] BLOCK = new byte[64 * 1024];

    static {
        for (int i = 0; i < BLOCK.length; i++) {
            BLOCK[i] = (byte) ('a' + i % 26);
        }
    }

    private DemoUpstreams() {
    }

    /** @param args the ports to listen on, one service each */
    public static void main(String[] args) throws IOException {
        for (String port : args.length == 0 ? new String[] {"9101", "9102"} : args) {
            String name = "demo-" + port;
            try {
                start(name, Integer.parseInt(port));
            } catch (BindException e) {
                System.err.println(name + ": port " + port + " is taken (another run of the example?): " + e.getMessage());
                System.exit(1);
                return;
            }
            System.out.println(name + " listening on 127.0.0.1:" + port);
        }
    }

    /** Starts one service on loopback at this port (0: any free one), answering as {@code name}. */
    static HttpServer start(String name, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                exchange.getResponseHeaders().set("X-Served-By", name);
                if ("/download".equals(exchange.getRequestURI().getPath())) {
                    download(exchange);
                } else {
                    describe(name, exchange);
                }
            }
        });
        server.start();
        return server;
    }

    private static void describe(String name, HttpExchange exchange) throws IOException {
        StringBuilder text = new StringBuilder()
                .append("answered by ").append(name).append('\n')
                .append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI().toString()).append("\n\n");
        Map<String, List<String>> sorted = new TreeMap<>(exchange.getRequestHeaders());
        sorted.forEach((header, values) -> values.forEach(v -> text.append(header).append(": ").append(v).append('\n')));
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain;charset=UTF-8");
        if (sendHead(exchange, 200, body.length)) {
            exchange.getResponseBody().write(body);
        }
    }

    private static void download(HttpExchange exchange) throws IOException {
        long size;
        try {
            size = downloadSize(exchange.getRequestURI());
        } catch (IllegalArgumentException e) {
            byte[] body = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain;charset=UTF-8");
            if (sendHead(exchange, 400, body.length)) {
                exchange.getResponseBody().write(body);
            }
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (sendHead(exchange, 200, size)) {
            OutputStream out = exchange.getResponseBody();
            for (long left = size; left > 0; left -= BLOCK.length) {
                out.write(BLOCK, 0, (int) Math.min(BLOCK.length, left));
            }
        }
    }

    /** The {@code size} query parameter: a number of bytes from 0 to {@link #MAX_DOWNLOAD}. */
    static long downloadSize(URI uri) {
        String query = uri.getQuery() == null ? "" : uri.getQuery();
        String size = Arrays.stream(query.split("&"))
                .filter(p -> p.startsWith("size="))
                .map(p -> p.substring("size=".length()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("size: missing, e.g. /download?size=1048576"));
        try {
            long bytes = Long.parseLong(size);
            if (bytes >= 0 && bytes <= MAX_DOWNLOAD) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // answered below, as any other bad size
        }
        throw new IllegalArgumentException("size: '" + size + "' is not a number of bytes from 0 to " + MAX_DOWNLOAD);
    }

    /**
     * Sends the status line and headers of an answer of {@code length} bytes. For HEAD the
     * Content-Length is set here: the JDK server warns when given a length for a HEAD, and sends
     * none itself.
     *
     * @return whether the body is to be written (not for HEAD)
     */
    private static boolean sendHead(HttpExchange exchange, int status, long length) throws IOException {
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
            exchange.sendResponseHeaders(status, -1);
            return false;
        }
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        return true;
    }
}
