package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Many exchanges at once, of every size from tiny to several windows, both ways: every byte must
 * arrive intact and every pooled connection come back. Exercises the hand-offs between container
 * and reactor threads that single requests rarely race.
 */
class ConcurrencyTest extends SluiceInTomcat {
    private static final int CLIENTS = 32;
    private static final int REQUESTS_EACH = 12;

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", exchange -> {
            String target = exchange.request().target();
            if (exchange.request().method().equals("GET")) {
                Handlers.bytes(Long.parseLong(target.substring(target.indexOf('=') + 1))).handle(exchange);
            } else {
                Handlers.echo().handle(exchange);
            }
        });
        return SluiceDeployment.war("concurrency", route("api", "127.0.0.1:" + origin.port()));
    }

    /** Sizes around the request buffer, the window and the read buffer, and far beyond. */
    private static long size(int client, int request) {
        long[] sizes = {0, 1, 1_000, 32_767, 32_768, 65_536, 65_537, 262_144, 300_001, 1_500_000};
        return sizes[(client * 7 + request) % sizes.length];
    }

    @Test
    void concurrentDownloadsAndUploadsArriveIntact() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        everyClientSucceeds(client -> {
            for (int r = 0; r < REQUESTS_EACH; r++) {
                long size = size(client, r);
                if (r % 2 == 0) {
                    HttpResponse<InputStream> response = http.send(
                            HttpRequest.newBuilder(URI.create(base + "api/bytes?n=" + size)).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    String got = Handlers.sha256(response.body());
                    if (response.statusCode() != 200 || !got.equals(Handlers.expectedSha256(size))) {
                        return "download of " + size + " bytes: status " + response.statusCode() + ", digest " + got;
                    }
                } else {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "api/echo"))
                            .POST(size == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.fromPublisher(
                                    HttpRequest.BodyPublishers.ofInputStream(() -> Handlers.stream(size)), size))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200
                            || !response.body().contains("body-sha256=" + Handlers.expectedSha256(size))) {
                        return "upload of " + size + " bytes: status " + response.statusCode();
                    }
                }
            }
            return "ok";
        });
        assertEquals(0, PoolProbe.awaitLeased("/concurrency", "api", n -> n == 0, Duration.ofSeconds(10)));
    }

    /**
     * Bodies read whole are held in pooled arrays, reused as soon as an exchange is answered: each
     * of these uploads has bytes of its own, so an array reused too early would show up as a wrong
     * digest at the origin.
     */
    @Test
    void concurrentUploadsNeverMixTheirBytes() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        everyClientSucceeds(client -> {
            Random random = new Random(client);
            for (int r = 0; r < 3 * REQUESTS_EACH; r++) {
                byte[] body = new byte[1 + random.nextInt(65_536)];
                random.nextBytes(body);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "api/echo"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200 || !response.body().contains("body-sha256=" + sha256(body))) {
                    return "upload " + r + " of client " + client + " (" + body.length + " bytes): status "
                            + response.statusCode() + ", " + response.body();
                }
            }
            return "ok";
        });
    }

    /** What one client does: its requests in turn, returning "ok" or what went wrong. */
    private interface ClientRun {
        String run(int client) throws Exception;
    }

    /** Runs {@link #CLIENTS} clients at once and asserts each returned "ok". */
    private static void everyClientSucceeds(ClientRun run) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(pool.submit(() -> run.run(client)));
            }
            for (Future<String> result : results) {
                assertEquals("ok", result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String sha256(byte[] bytes) throws IOException {
        return Handlers.sha256(new ByteArrayInputStream(bytes));
    }
}
