package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** JDK clients speaking cleartext HTTP/2 (h2c) to a container, and what the tests ask of such a connection. */
final class Http2Clients {
    /** The JDK client's HTTP/2 receive window, read as it opens a connection. */
    private static final String WINDOW_PROPERTY = "jdk.httpclient.windowsize";

    private Http2Clients() {
    }

    /**
     * A client whose first request, to the application's own page under {@code base}, upgrades its
     * connection (it goes as HTTP/1.1 with Upgrade: h2c): the requests after it are streams of one
     * HTTP/2 connection.
     */
    static HttpClient upgraded(String base) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<Void> first = client.send(HttpRequest.newBuilder(URI.create(base + "/app/hello")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(HttpClient.Version.HTTP_2, first.version(), "the connection speaks HTTP/2");
        return client;
    }

    /**
     * As {@link #upgraded(String)}, with an HTTP/2 receive window of 64 KiB: an answer larger than
     * that stays in flight until it is read (the JDK client's default window, 16 MiB, would take
     * it whole at once).
     */
    static HttpClient narrowWindow(String base) throws IOException, InterruptedException {
        String defaultWindow = System.getProperty(WINDOW_PROPERTY);
        System.setProperty(WINDOW_PROPERTY, Integer.toString(64 * 1024));
        try {
            return upgraded(base);
        } finally {
            if (defaultWindow == null) {
                System.clearProperty(WINDOW_PROPERTY);
            } else {
                System.setProperty(WINDOW_PROPERTY, defaultWindow);
            }
        }
    }

    /**
     * GETs {@code base + path} over the client's HTTP/2 connection and returns the one request the
     * origin saw for it.
     */
    static RecordedRequest forwarded(HttpClient client, String base, String path, TestOrigin origin) throws IOException, InterruptedException {
        HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertEquals(200, response.statusCode());
        List<RecordedRequest> seen = origin.requests();
        assertEquals(1, seen.size(), "requests the origin saw");
        return seen.get(0);
    }

    /**
     * While a download of {@code besideLength} bytes is under way on one connection, an answer cut
     * by its upstream after commit on the same connection fails, and the download arrives whole:
     * only the cut answer's own stream may be cut.
     */
    static void assertACutLeavesTheOtherStreamWhole(String base, String besidePath, long besideLength, String cutPath) throws Exception {
        HttpClient narrow = narrowWindow(base);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream beside = narrow.send(HttpRequest.newBuilder(URI.create(base + besidePath)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofInputStream()).body()) {
            sha256.update(beside.readNBytes(10_000)); // under way, most of it still to come
            HttpResponse<InputStream> cut = narrow.send(HttpRequest.newBuilder(URI.create(base + cutPath))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, cut.statusCode(), "committed before the upstream failed");
            assertThrows(IOException.class, () -> cut.body().readAllBytes(), "a cut answer never looks complete");
            sha256.update(beside.readAllBytes());
        }
        assertEquals(Handlers.expectedSha256(besideLength), HexFormat.of().formatHex(sha256.digest()),
                "the other stream of the connection arrives whole");
    }
}
