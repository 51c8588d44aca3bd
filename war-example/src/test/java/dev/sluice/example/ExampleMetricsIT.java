package dev.sluice.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's own Prometheus endpoint, {@code /app/metrics}, counts the traffic Sluice proxied:
 * the example WAR as built, in an embedded Tomcat, its greetings route moved to one demo service,
 * scraped before and after real greetings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExampleMetricsIT {
    private static final int GREETINGS = 7;

    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer demo;
    private ExampleTomcat example;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        demo = DemoUpstreams.start("demo", 0);
        String node = "127.0.0.1:" + demo.getAddress().getPort();
        example = ExampleTomcat.start(dir, Map.of(
                "sluice.upstream.greetings.nodes", node,
                "sluice.upstream.echo.nodes", node));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            example.close();
        } finally {
            demo.stop(0);
        }
    }

    @Test
    void eachGreetingIsCountedOnceAsARequestAnAttemptAndADurationOfItsNode() throws Exception {
        String answered = "sluice_requests_total{failure=\"none\",outcome=\"answered\",route=\"greetings\",upstream=\"greetings\"}";
        String attempts = "sluice_attempts_total{route=\"greetings\",upstream=\"greetings\"}";
        String durations = "http_client_request_duration_seconds_count{error_type=\"none\",http_request_method=\"GET\","
                + "http_response_status_code=\"200\",server_address=\"127.0.0.1\",server_port=\"" + demo.getAddress().getPort()
                + "\",upstream=\"greetings\"}";
        List<String> before = scrape();

        for (int i = 0; i < GREETINGS; i++) {
            HttpResponse<String> greeting = client.send(HttpRequest.newBuilder(example.base().resolve("/api/greetings/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, greeting.statusCode(), greeting.body());
        }
        List<String> after = scrapeOnceGrown(before, GREETINGS, answered, attempts, durations);

        for (String series : List.of(answered, attempts, durations)) {
            assertEquals(GREETINGS, value(after, series) - value(before, series), series + " in\n" + String.join("\n", after));
        }
    }

    private List<String> scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(example.base().resolve("/app/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body().lines().toList();
    }

    /**
     * The scrape once every series grew by this much since {@code before} (or after 5 s): an
     * exchange is handed to the meters a moment after its client has the answer, when HttpClient
     * reports the attempt's end on a thread of its own.
     */
    private List<String> scrapeOnceGrown(List<String> before, int by, String... series) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> lines = scrape();
        while (System.nanoTime() < deadline && !grown(before, lines, by, series)) {
            Thread.sleep(50);
            lines = scrape();
        }
        return lines;
    }

    private static boolean grown(List<String> before, List<String> after, int by, String... series) {
        return List.of(series).stream().allMatch(s -> value(after, s) - value(before, s) >= by);
    }

    /** The series' value in the scrape; 0 when absent, as Micrometer writes a series only once it was first counted. */
    private static double value(List<String> scrape, String series) {
        return scrape.stream().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(0.0);
    }
}
