package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;
import dev.sluice.testing.WebSocketOrigin;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Sluice's meters in the application's Prometheus registry, scraped after real traffic: the
 * counts match what was sent, and no series carries anything of a request (path, client).
 */
class MetricsTest extends SluiceInTomcat {
    private static TestOrigin origin;
    private static WebSocketOrigin webSockets;
    private static int deadPort;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        origin = origin("origin", Handlers.echo());
        webSockets = WebSocketOrigin.start();
        try (ServerSocket reserved = new ServerSocket(0)) {
            deadPort = reserved.getLocalPort(); // closed again: connecting there is refused
        }
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <listener><listener-class>dev.sluice.proxy.PrometheusScrape</listener-class></listener>
                  <filter>
                    <filter-name>sluice</filter-name>
                    <filter-class>dev.sluice.SluiceFilter</filter-class>
                    <async-supported>true</async-supported>
                  </filter>
                  <filter-mapping><filter-name>sluice</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                  <servlet><servlet-name>metrics</servlet-name><servlet-class>dev.sluice.proxy.PrometheusScrape</servlet-class></servlet>
                  <servlet-mapping><servlet-name>metrics</servlet-name><url-pattern>/app/metrics</url-pattern></servlet-mapping>
                </web-app>
                """;
        return SluiceDeployment.war("metrics", SluiceDeployment.route("api", "127.0.0.1:" + origin.port())
                + SluiceDeployment.route("dead", "127.0.0.1:" + deadPort)
                + SluiceDeployment.route("limited", "127.0.0.1:" + origin.port(), "rate-limit=1", "rate-limit.burst=2")
                + SluiceDeployment.route("ws", "127.0.0.1:" + webSockets.port()), webXml)
                .addClass(PrometheusScrape.class);
    }

    @Test
    void countsMatchTheTrafficSent() throws Exception {
        long bytesOut = 0;
        for (int i = 0; i < 3; i++) {
            RawResponse response = get("/api/orders/" + i, "X-Forwarded-For: 198.51.100.7");
            assertEquals(200, response.status());
            bytesOut += response.body().length;
        }
        assertEquals(502, get("/dead/x").status());
        int refused = 0;
        for (int i = 0; i < 4; i++) {
            refused += get("/limited/x").status() == 429 ? 1 : 0;
        }
        String node = "127.0.0.1:" + origin.port();
        String api = "{route=\"api\",upstream=\"api\"}";
        List<String> scrape = scrapeOnce("sluice_requests_total{failure=\"none\",outcome=\"answered\",route=\"api\",upstream=\"api\"} 3.0");

        assertValue(scrape, "sluice_attempts_total" + api, 3);
        assertValue(scrape, "sluice_response_body_bytes_total" + api, bytesOut);
        assertValue(scrape, "sluice_requests_total{failure=\"not_connected\",outcome=\"failed\",route=\"dead\",upstream=\"dead\"}", 1);
        assertValue(scrape, "sluice_requests_total{failure=\"none\",outcome=\"rate_limited\",route=\"limited\",upstream=\"limited\"}",
                refused);
        assertTrue(refused >= 1, "a burst of 2 cannot admit 4 at once");
        assertValue(scrape, "http_client_request_duration_seconds_count{error_type=\"none\",http_request_method=\"GET\","
                + "http_response_status_code=\"200\",server_address=\"127.0.0.1\",server_port=\"" + origin.port()
                + "\",upstream=\"api\"}", 3);
        assertValue(scrape, "http_client_request_duration_seconds_count{error_type=\"not_connected\",http_request_method=\"GET\","
                + "http_response_status_code=\"none\",server_address=\"127.0.0.1\",server_port=\"" + deadPort
                + "\",upstream=\"dead\"}", 1);
        assertValue(scrape, "sluice_node_state{node=\"" + node + "\",state=\"up\",upstream=\"api\"}", 1);
        assertValue(scrape, "sluice_node_state{node=\"" + node + "\",state=\"ejected\",upstream=\"api\"}", 0);
        assertValue(scrape, "sluice_pool_connections{state=\"leased\",upstream=\"api\"}", 0);
        assertValue(scrape, "sluice_exchanges_active{upstream=\"api\"}", 0);
        assertTrue(scrape.stream().anyMatch(l -> l.startsWith("sluice_node_ejections_total{node=\"127.0.0.1:" + deadPort)), "ejections");
        assertTrue(scrape.stream().anyMatch(l -> l.startsWith("http_client_request_duration_seconds_bucket{") && l.contains("le=\"0.005\"")),
                "the semantic conventions' buckets");
    }

    @AfterAll
    static void stopWebSocketOrigin() throws Exception {
        webSockets.close();
    }

    @Test
    void aTunnelIsCountedOpenThenClosedByTheClientThatLeft() throws Exception {
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + "/metrics/ws/echo"), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        List<String> open = scrapeOnce("sluice_websocket_tunnels_active{upstream=\"ws\"} 1.0");
        assertValue(open, "sluice_websocket_tunnels_opened_total{upstream=\"ws\"}", 1);
        assertValue(open, "sluice_websocket_held_bytes{direction=\"to_client\",upstream=\"ws\"}", 0);
        socket.abort();
        List<String> closed = scrapeOnce("sluice_websocket_tunnels_closed_total{by=\"client\",upstream=\"ws\"} 1.0");
        assertValue(closed, "sluice_websocket_tunnels_active{upstream=\"ws\"}", 0);
        assertValue(closed, "sluice_websocket_tunnels_closed_total{by=\"upstream\",upstream=\"ws\"}", 0);
        assertValue(closed, "sluice_websocket_tunnels_refused_total{upstream=\"ws\"}", 0);
    }

    @Test
    void noSeriesCarriesAPathOrAClientAddress() throws Exception {
        get("/api/secret-path-17", "X-Forwarded-For: 198.51.100.7");
        String text = String.join("\n", scrapeOnce("sluice_attempts_total{route=\"api\",upstream=\"api\"}"));
        assertFalse(text.contains("secret-path-17"), text);
        assertFalse(text.contains("198.51.100.7"), text);
    }

    /**
     * The scrape once it has this line: an exchange is counted a moment after its client has the
     * answer, as the container and HttpClient report its end on threads of their own.
     */
    private List<String> scrapeOnce(String expectedLine) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> lines;
        do {
            RawResponse response = get("/app/metrics");
            assertEquals(200, response.status());
            lines = Arrays.asList(new String(response.body(), StandardCharsets.UTF_8).split("\n"));
            if (lines.stream().anyMatch(l -> l.startsWith(expectedLine.substring(0, expectedLine.lastIndexOf('}') + 1)))) {
                if (lines.contains(expectedLine) || !expectedLine.endsWith(".0")) {
                    return lines;
                }
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no line " + expectedLine + " in\n" + String.join("\n", lines));
    }

    private static void assertValue(List<String> scrape, String series, double expected) {
        String line = scrape.stream().filter(l -> l.startsWith(series + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + String.join("\n", scrape)));
        assertEquals(expected, Double.parseDouble(line.substring(series.length() + 1).trim()), line);
    }
}
