package dev.sluice.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The example's demo upstream services: each answers with its own name, the request line and the
 * headers it received, so a {@code curl} through Sluice shows the load spreading and the header
 * rewriting. Started by {@code mvn -Pexample -DskipTests verify}; listens on loopback only.
 */
public final class DemoUpstreams {
    private DemoUpstreams() {
    }

    /** @param args the ports to listen on, one service each */
    public static void main(String[] args) throws IOException {
        for (String port : args.length == 0 ? new String[] {"9101", "9102"} : args) {
            String name = "demo-" + port;
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)), 64);
            server.createContext("/", exchange -> answer(name, exchange));
            server.start();
            System.out.println(name + " listening on 127.0.0.1:" + port);
        }
    }

    private static void answer(String name, HttpExchange exchange) throws IOException {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        StringBuilder text = new StringBuilder()
                .append("answered by ").append(name).append('\n')
                .append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI().toString()).append("\n\n");
        Map<String, List<String>> sorted = new TreeMap<>(exchange.getRequestHeaders());
        sorted.forEach((header, values) -> values.forEach(v -> text.append(header).append(": ").append(v).append('\n')));
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain;charset=UTF-8");
        exchange.getResponseHeaders().set("X-Served-By", name);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
