package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import jakarta.servlet.Filter;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;

import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same WAR in containers other than the Tomcat the Arquillian tests run: the servlet rules
 * leave a container room, and Tomcat's choices are not the only ones. Jetty, for one, notices the
 * end of a request body, and so calls {@code onAllDataRead}, only when the application asks for
 * input once more after the last declared byte, where Tomcat does it as that byte is read. Each
 * container has its own way, outside the API, to cut a client's connection, its own idea of which
 * listeners to call after that, and its own place to parse forms (docs/architecture.md lists what
 * differs). A subclass starts one container with the WAR deployed at its context path.
 */
@Tag("own-jvm") // a fork of its own: see filter/pom.xml
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OtherContainerTest {
    /** Beyond the request buffer (64 KiB) and the response window (256 KiB). */
    private static final long LARGE = 300_000;

    /**
     * The application's filters before Sluice, in order, on every path: one counts read callbacks,
     * one reads form parameters (which consumes a form's body and leaves other bodies alone).
     */
    static final List<Class<? extends Filter>> FIRST_FILTERS = List.of(ReadCallbackCountingFilter.class, ParameterReadingFilter.class);

    private final String context;
    private TestOrigin echo;
    private TestOrigin large;
    private TestOrigin cut;
    private TestOrigin slow;
    private TestOrigin endless;
    private HttpClient client;
    /** A client whose connection was upgraded to HTTP/2 (h2c). */
    private HttpClient http2;
    private String base;

    /** @param context the context path the WAR is deployed at, which also names it */
    OtherContainerTest(String context) {
        this.context = context;
    }

    /**
     * Starts the container with the WAR deployed at the context path.
     *
     * @param work a directory the container may use
     * @return the port it listens on, on 127.0.0.1
     */
    abstract int startContainer(File war, String context, Path work) throws Exception;

    abstract void stopContainer() throws Exception;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        echo = TestOrigin.start(context + "-echo", Handlers.echo());
        large = TestOrigin.start(context + "-large", Handlers.bytes(LARGE));
        cut = TestOrigin.start(context + "-cut", exchange -> {
            TestOrigin.Response response = exchange.response();
            response.startChunked();
            response.chunk(new byte[1000]);
            Thread.sleep(200);
            response.closeAbruptly();
        });
        slow = TestOrigin.start(context + "-slow", Handlers.delayed(300, Handlers.echo()));
        endless = TestOrigin.start(context + "-endless", Handlers.bytes(Long.MAX_VALUE / 2));
        String properties = SluiceDeployment.route("echo", "127.0.0.1:" + echo.port())
                + SluiceDeployment.route("passed", "127.0.0.1:" + echo.port(), "host=pass")
                + SluiceDeployment.route("slow", "127.0.0.1:" + slow.port())
                + SluiceDeployment.route("late", "127.0.0.1:" + slow.port(), "timeout=100")
                + SluiceDeployment.route("endless", "127.0.0.1:" + endless.port())
                + SluiceDeployment.route("large", "127.0.0.1:" + large.port())
                + SluiceDeployment.route("cut", "127.0.0.1:" + cut.port())
                // These two refuse a third request in flight with 503.
                + SluiceDeployment.route("narrow", "127.0.0.1:" + cut.port(), "pool.max-connections=1", "pool.max-waiting=1")
                + SluiceDeployment.route("narrow-endless", "127.0.0.1:" + endless.port(), "pool.max-connections=1", "pool.max-waiting=1");
        File war = dir.resolve(context + ".war").toFile();
        SluiceDeployment.warWithFiltersFirst(context, properties, FIRST_FILTERS.toArray(Class[]::new)).as(ZipExporter.class).exportTo(war, true);
        int port = startContainer(war, "/" + context, dir.resolve("work"));
        base = "http://127.0.0.1:" + port + "/" + context;
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        http2 = Http2Clients.upgraded(base);
    }

    /** The test heap is small on purpose (a fork of its own, see filter/pom.xml): let go of everything. */
    @AfterAll
    void stop() throws Exception {
        stopContainer();
        client = null;
        http2 = null;
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

    private HttpResponse<String> upload(long length, boolean declared) throws Exception {
        return upload("/echo/up", length, declared);
    }

    private HttpResponse<String> upload(String path, long length, boolean declared) throws Exception {
        return upload(client, path, length, declared);
    }

    private HttpResponse<String> upload(HttpClient over, String path, long length, boolean declared) throws Exception {
        HttpRequest.BodyPublisher body = declared
                ? HttpRequest.BodyPublishers.ofByteArray(Handlers.stream(length).readAllBytes())
                : HttpRequest.BodyPublishers.ofInputStream(() -> Handlers.stream(length));
        return over.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<InputStream> download(String path) throws Exception {
        return download(client, path);
    }

    private HttpResponse<InputStream> download(HttpClient over, String path) throws Exception {
        return over.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
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

    private int readCallbacks() throws Exception {
        return Integer.parseInt(client.send(HttpRequest.newBuilder(URI.create(base + "/read-callbacks")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /**
     * A filter before Sluice that read a form's parameters consumed its body: a clear error at
     * once, never a hang waiting for bytes that are gone (Undertow), nor a read of the end over and
     * over (Jetty), and nothing half-read upstream. Not over HTTP/2 without a Content-Length: such
     * a request, consumed, looks like one that never had a body (docs/configuration.md).
     */
    @Test
    void aFormBodyConsumedBeforeSluiceIsAClearErrorNotAHang() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            assertConsumedFormsRefused();
            assertTrue(log.logged(Level.SEVERE, "Map the Sluice filter first", Duration.ofSeconds(5)), log.messages().toString());
        }
    }

    /** WebSocket tunnels are Tomcat's only for now: elsewhere a handshake is refused, and the log says why. */
    @Test
    void aWebSocketHandshakeIsRefusedWithALineNamingTheContainer() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            CompletionException refused = assertThrows(CompletionException.class, () -> client.newWebSocketBuilder()
                    .buildAsync(URI.create("ws" + base.substring(4) + "/echo/ws"), new WebSocket.Listener() { }).join());
            assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
            assertEquals(501, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());
            assertEquals(0, echo.requests().size(), "requests the origin saw");
            assertTrue(log.logged(Level.WARNING, "refuses WebSocket handshakes on", Duration.ofSeconds(5)), log.messages().toString());
            assertTrue(log.messages().stream().anyMatch(m -> m.toLowerCase(Locale.ROOT).contains(context)), log.messages().toString());
        }
    }

    private void assertConsumedFormsRefused() throws Exception {
        for (HttpClient over : new HttpClient[] {client, http2}) {
            for (boolean declared : over == http2 ? new boolean[] {true} : new boolean[] {true, false}) {
                byte[] form = "a=1&b=2".getBytes(StandardCharsets.US_ASCII);
                HttpRequest.BodyPublisher body = declared
                        ? HttpRequest.BodyPublishers.ofByteArray(form)
                        : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(form));
                HttpResponse<String> response = over.send(HttpRequest.newBuilder(URI.create(base + "/echo/form"))
                        .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/x-www-form-urlencoded").POST(body).build(),
                        HttpResponse.BodyHandlers.ofString());
                String which = response.version() + (declared ? " with a Content-Length" : " without one");
                assertEquals(500, response.statusCode(), which + ": " + response.body());
                assertEquals(0, echo.requests().size(), which + ": requests the origin saw");
            }
        }
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
        assertDownloadedWhole(download("/large/x"));
    }

    private static void assertDownloadedWhole(HttpResponse<InputStream> response) throws IOException {
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            assertEquals(Handlers.expectedSha256(LARGE), Handlers.sha256(body));
        }
    }

    @Test
    void aLargeDownloadOverHttp2ArrivesWhole() throws Exception {
        HttpResponse<InputStream> response = download(http2, "/large/x");
        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertDownloadedWhole(response);
    }

    /** The client's connection carries other streams: only the cut answer's own may be cut. */
    @Test
    void anUpstreamCutMidAnswerOverHttp2ResetsOnlyItsOwnStream() throws Exception {
        Http2Clients.assertACutLeavesTheOtherStreamWhole(base, "/large/beside", LARGE, "/cut/x");
    }

    /** HTTP/2 has no chunked coding: a body of undeclared length is DATA frames until the stream ends. */
    @Test
    void uploadsOverHttp2ArriveWhole() throws Exception {
        for (boolean declared : new boolean[] {true, false}) {
            for (long length : new long[] {1000, LARGE}) {
                HttpResponse<String> response = upload(http2, "/echo/up", length, declared);
                assertEquals(HttpClient.Version.HTTP_2, response.version());
                assertArrivedWhole(response, length);
                echo.clear();
            }
        }
    }

    /**
     * A GET over HTTP/2 ends its stream with its headers. Jetty and Undertow report the input not
     * finished until it is read, so the request looks as if a body of undeclared length followed.
     */
    @Test
    void aGetOverHttp2GoesUpWithoutABody() throws Exception {
        RecordedRequest seen = forwardedOverHttp2("/echo/get");
        assertNull(seen.header("Content-Length"));
        assertNull(seen.header("Transfer-Encoding"));
        assertEquals(0, seen.bodyLength());
    }

    /** An HTTP/2 request names its host in {@code :authority}; a container may or may not make a Host header of it. */
    @Test
    void theForwardedHostOverHttp2IsTheAuthorityTheClientAddressed() throws Exception {
        assertEquals(URI.create(base).getAuthority(), forwardedOverHttp2("/echo/host").header("X-Forwarded-Host"));
    }

    @Test
    void aHostPassedThroughOverHttp2IsTheAuthorityTheClientAddressed() throws Exception {
        assertEquals(URI.create(base).getAuthority(), forwardedOverHttp2("/passed/host").header("Host"));
    }

    private RecordedRequest forwardedOverHttp2(String path) throws Exception {
        return Http2Clients.forwarded(http2, base, path, echo);
    }

    /**
     * Completing the response would end a chunked body with its last chunk and make the cut answer
     * look whole: the connection must be cut instead, in each container's own way.
     */
    @Test
    void aChunkedUpstreamCutAfterCommitNeverEndsTheBody() throws Exception {
        assertCutShort("/cut/x");
    }

    private void assertCutShort(String path) throws Exception {
        HttpResponse<InputStream> response = downloadOnceNot503(path);
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            IOException cutShort = assertThrows(IOException.class, body::readAllBytes, "the body must not end normally");
            assertFalse(cutShort instanceof HttpTimeoutException, "cut at once, not left hanging: " + cutShort);
        }
    }

    /** A cut answer whose exchange the container never ended would hold its place in the narrow upstream for good. */
    @Test
    void answersCutAfterCommitEachEndTheirExchange() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertCutShort("/narrow/x");
        }
        assertEquals(200, statusOnceNot503("/narrow/x"));
    }

    /** As for cut answers: a client that left mid-download must not hold its place in the narrow upstream. */
    @Test
    void downloadsLeftMidwayEachEndTheirExchange() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<InputStream> response = downloadOnceNot503("/narrow-endless/x");
            assertEquals(200, response.statusCode(), "download " + i);
            try (InputStream body = response.body()) {
                body.readNBytes(100_000);
            } // closing the body early closes the HTTP/1.1 connection
        }
        assertEquals(200, statusOnceNot503("/narrow-endless/x"));
    }

    /** An exchange ends a moment after its client sees the end: the container and Sluice notice on threads of their own. */
    private int statusOnceNot503(String path) throws Exception {
        HttpResponse<InputStream> response = downloadOnceNot503(path);
        response.body().close();
        return response.statusCode();
    }

    private HttpResponse<InputStream> downloadOnceNot503(String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<InputStream> response = download(path);
        while (response.statusCode() == 503 && System.nanoTime() < deadline) {
            response.body().close();
            Thread.sleep(50);
            response = download(path);
        }
        return response;
    }

    @Test
    void aClientGoneMidDownloadReleasesTheUpstreamConnection() throws Exception {
        HttpResponse<InputStream> response = download("/endless/x");
        try (InputStream body = response.body()) {
            body.readNBytes(100_000);
            assertEquals(1, PoolProbe.leased("/" + context, "endless"), "the download holds one upstream connection");
        } // closing the body early closes the HTTP/1.1 connection
        assertEquals(0, PoolProbe.awaitLeased("/" + context, "endless", n -> n == 0, Duration.ofSeconds(10)));
    }

    /** The answer to a timeout is written from HttpClient's thread, before anything was committed. */
    @Test
    void anUpstreamTooSlowForItsTimeoutIsAnswered504() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/late/x"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(504, response.statusCode());
        assertEquals("504 Gateway Timeout\n", response.body());
    }

    @Test
    void theApplicationsOwnPagesAreServedByIt() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/app/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(0, echo.requests().size(), "requests the origin saw");
    }
}
