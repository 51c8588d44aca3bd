package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same WAR in Jetty 12 (Jakarta EE 10). The servlet rules leave a container room, and Tomcat's
 * choices are not the only ones: Jetty, for one, notices the end of a request body, and so calls
 * {@code onAllDataRead}, only when the application asks for input once more after the last
 * declared byte, where Tomcat does it as that byte is read.
 */
@Tag("own-jvm") // a fork of its own: see filter/pom.xml
class JettyContainerTest {
    /** Beyond the request buffer (64 KiB) and the response window (256 KiB). */
    private static final long LARGE = 300_000;

    private static TestOrigin echo;
    private static TestOrigin large;
    private static TestOrigin cut;
    private static TestOrigin slow;
    private static TestOrigin endless;
    private static Server jetty;
    private static HttpClient client;
    private static String base;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        echo = TestOrigin.start("jetty-echo", Handlers.echo());
        large = TestOrigin.start("jetty-large", Handlers.bytes(LARGE));
        cut = TestOrigin.start("jetty-cut", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startChunked();
            response.chunk(new byte[1000]);
            Thread.sleep(200);
            response.closeAbruptly();
        });
        slow = TestOrigin.start("jetty-slow", Handlers.delayed(300, Handlers.echo()));
        endless = TestOrigin.start("jetty-endless", Handlers.bytes(Long.MAX_VALUE / 2));
        String properties = SluiceDeployment.route("echo", "127.0.0.1:" + echo.port())
                + SluiceDeployment.route("slow", "127.0.0.1:" + slow.port())
                + SluiceDeployment.route("endless", "127.0.0.1:" + endless.port())
                + SluiceDeployment.route("large", "127.0.0.1:" + large.port())
                + SluiceDeployment.route("cut", "127.0.0.1:" + cut.port());
        File war = dir.resolve("jetty.war").toFile();
        SluiceDeployment.warWithFilterFirst("jetty", properties, ReadCallbackCountingFilter.class).as(ZipExporter.class).exportTo(war, true);

        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        WebAppContext app = new WebAppContext();
        app.setContextPath("/jetty");
        app.setWar(war.getAbsolutePath());
        app.setTempDirectory(dir.resolve("jetty-work").toFile());
        jetty.setHandler(app);
        jetty.start();
        base = "http://127.0.0.1:" + connector.getLocalPort() + "/jetty";
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The test heap is small on purpose (a fork of its own, see filter/pom.xml): let go of everything. */
    @AfterAll
    static void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
            jetty = null;
        }
        client = null;
        for (TestOrigin origin : new TestOrigin[] {echo, large, cut, slow, endless}) {
            origin.close();
        }
        echo = large = cut = slow = endless = null;
    }

    @AfterEach
    void forgetRequests() {
        echo.clear();
        slow.clear();
    }

    private static HttpResponse<String> upload(long length, boolean declared) throws Exception {
        return upload("/echo/up", length, declared);
    }

    private static HttpResponse<String> upload(String path, long length, boolean declared) throws Exception {
        HttpRequest.BodyPublisher body = declared
                ? HttpRequest.BodyPublishers.ofByteArray(Handlers.stream(length).readAllBytes())
                : HttpRequest.BodyPublishers.ofInputStream(() -> Handlers.stream(length));
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<InputStream> download(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static void assertArrivedWhole(HttpResponse<String> response, long length) {
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("body-length=" + length + "\n"), response.body());
        assertTrue(response.body().contains("body-sha256=" + Handlers.expectedSha256(length) + "\n"), response.body());
    }

    @Test
    void aSmallUploadOfDeclaredLengthArrivesWhole() throws Exception {
        assertArrivedWhole(upload(1000, true), 1000);
    }

    /**
     * Jetty answers every read of a body's end with another {@code onAllDataRead}; a listener that
     * reads there again keeps a container thread busy until the exchange ends. The origin answers
     * after a while, so that a loop has time to show.
     */
    @Test
    void theEndOfAnUploadIsNotSignalledOverAndOver() throws Exception {
        int before = readCallbacks();
        for (boolean declared : new boolean[] {true, false}) {
            for (long length : new long[] {1000, LARGE}) {
                assertEquals(200, upload("/slow/up", length, declared).statusCode());
            }
        }
        int calls = readCallbacks() - before;
        // Once per upload, or twice when Jetty's own wake-up for the end crosses the one a read of
        // the end schedules; a listener reading the end again made it hundreds of thousands.
        assertTrue(calls >= 4 && calls <= 8, "onAllDataRead calls for four uploads: " + calls);
    }

    private static int readCallbacks() throws Exception {
        return Integer.parseInt(client.send(HttpRequest.newBuilder(URI.create(base + "/read-callbacks")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void anUploadThatFillsTheRequestBufferArrivesWhole() throws Exception {
        assertArrivedWhole(upload(65_536, true), 65_536);
    }

    @Test
    void anUploadLongerThanTheRequestBufferStreamsWhole() throws Exception {
        assertArrivedWhole(upload(LARGE, true), LARGE);
    }

    @Test
    void anUploadOfUndeclaredLengthArrivesWhole() throws Exception {
        assertArrivedWhole(upload(LARGE, false), LARGE);
    }

    @Test
    void aLargeDownloadArrivesWhole() throws Exception {
        HttpResponse<InputStream> response = download("/large/x");
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            assertEquals(Handlers.expectedSha256(LARGE), Handlers.sha256(body));
        }
    }

    /**
     * Completing the response would end a chunked body with its last chunk and make the cut answer
     * look whole: the connection must be cut instead (Jetty's own abort, as Tomcat's elsewhere).
     */
    @Test
    void aChunkedUpstreamCutAfterCommitNeverEndsTheBody() throws Exception {
        HttpResponse<InputStream> response = download("/cut/x");
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            IOException cutShort = assertThrows(IOException.class, body::readAllBytes, "the body must not end normally");
            assertFalse(cutShort instanceof HttpTimeoutException, "cut at once, not left hanging: " + cutShort);
        }
    }

    @Test
    void aClientGoneMidDownloadReleasesTheUpstreamConnection() throws Exception {
        HttpResponse<InputStream> response = download("/endless/x");
        try (InputStream body = response.body()) {
            body.readNBytes(100_000);
            assertEquals(1, PoolProbe.leased("/jetty", "endless"), "the download holds one upstream connection");
        } // closing the body early closes the HTTP/1.1 connection
        assertEquals(0, PoolProbe.awaitLeased("/jetty", "endless", n -> n == 0, Duration.ofSeconds(10)));
    }

    @Test
    void theApplicationsOwnPagesAreServedByIt() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/app/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(0, echo.requests().size(), "requests the origin saw");
    }
}
