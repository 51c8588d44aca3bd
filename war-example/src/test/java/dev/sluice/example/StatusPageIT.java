package dev.sluice.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example WAR, as built, in an embedded Tomcat with its own configuration (routes, status path),
 * its nodes moved to free ports: the first a demo service, the second a port nobody listens on, so
 * real requests fail there and passive health ejects it. Then headless Chromium opens the status
 * page as a person would, and the page must show that node ejected, under its own
 * Content-Security-Policy without a violation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusPageIT {
    /** Where the page's screenshot goes (its DOM beside it); docs/status-page.png is a copy of one. */
    private static final Path SCREENSHOT = Path.of("target", "status-page.png");

    private final List<LogRecord> healthLog = new CopyOnWriteArrayList<>();
    private final Logger health = Logger.getLogger("dev.sluice.health.UpstreamHealth");
    private String serving;
    private String failing;
    private HeadlessChromium.Load load;
    /** The JSON view as it first showed the ejection. */
    private String json;

    @BeforeAll
    void ejectANodeAndOpenThePage(@TempDir Path dir) throws Exception {
        HttpServer demo = DemoUpstreams.start("demo", 0);
        serving = "127.0.0.1:" + demo.getAddress().getPort();
        failing = "127.0.0.1:" + closedPort();
        // The example's nodes, moved: system properties override its microprofile-config.properties.
        Map<String, String> overrides = Map.of(
                "sluice.upstream.greetings.nodes", serving + " weight=2, " + failing + " weight=1",
                "sluice.upstream.echo.nodes", serving + ", " + failing,
                // Long enough that the ejection outlasts Chromium's start on a busy machine.
                "sluice.upstream.greetings.health.ejection", "120000");
        // The expected "out of rotation" warning is collected, not printed.
        health.setFilter(record -> !healthLog.add(record));
        try (ExampleTomcat example = ExampleTomcat.start(dir, overrides)) {
            sendUntilEjected(example.base());
            Files.createDirectories(SCREENSHOT.getParent());
            load = HeadlessChromium.load(example.base().resolve("/_sluice/status"), 1000, 640, SCREENSHOT.toAbsolutePath(), dir);
            Files.writeString(SCREENSHOT.resolveSibling("status-page.html"), load.dom()); // to read when a test fails
        } finally {
            demo.stop(0);
            health.setFilter(null);
        }
    }

    /** Greetings until passive health ejects the failing node (each failure retried on the other, so all are answered). */
    private void sendUntilEjected(URI base) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> greeting = client.send(HttpRequest.newBuilder(base.resolve("/api/greetings/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, greeting.statusCode(), greeting.body());
            json = client.send(HttpRequest.newBuilder(base.resolve("/_sluice/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (json.contains("\"address\":\"" + failing + "\",\"weight\":1,\"state\":\"ejected")) {
                return;
            }
        }
        throw new AssertionError("the failing node was never ejected");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The table row of this node in this upstream's section of the page as Chromium has it. */
    private String row(String upstream, String node) {
        Matcher section = Pattern.compile("<section class=\"upstream\" data-upstream=\"" + upstream + "\">.*?</section>",
                Pattern.DOTALL).matcher(load.dom());
        assertTrue(section.find(), "no section for " + upstream + " in\n" + load.dom());
        Matcher row = Pattern.compile("<tr class=\"node\" data-node=\"" + Pattern.quote(node) + "\".*?</tr>").matcher(section.group());
        assertTrue(row.find(), "no row for " + node + " in\n" + section.group());
        return row.group();
    }

    @Test
    void theFailingNodeIsShownEjectedWithTimeLeft() {
        String row = row("greetings", failing);
        assertTrue(row.contains("data-state=\"ejected\""), row);
        assertTrue(Pattern.compile("<span class=\"state ejected\">ejected</span> for \\d+ s more").matcher(row).find(), row);
    }

    @Test
    void theFailingNodeShowsItsRecentErrors() {
        String row = row("greetings", failing);
        assertTrue(row.contains("100.0 % (3 of 3)"), "three failures in a row eject it: " + row);
    }

    @Test
    void anotherUpstreamListingTheNodeShowsItEjectedToo() {
        assertTrue(row("echo", failing).contains("data-state=\"ejected\""), row("echo", failing));
    }

    @Test
    void theJsonViewShowsMachinesTheSame() {
        String greetings = json.substring(json.indexOf("{\"name\":\"greetings\""));
        Matcher node = Pattern.compile("\\{\"address\":\"" + Pattern.quote(failing) + "\",[^{]*\\{[^}]*\\}\\}").matcher(greetings);
        assertTrue(node.find(), greetings);
        assertTrue(node.group().contains(",\"health\":\"ejected\",\"ejectedMillisLeft\":"), node.group());
        assertTrue(node.group().contains(",\"ejections\":1,\"failuresInARow\":0,\"recent\":{\"seconds\":60,\"attempts\":3,"
                + "\"failures\":3,\"errorRate\":1.0}}"), node.group());
    }

    @Test
    void theServingNodeIsShownUp() {
        String row = row("greetings", serving);
        assertTrue(row.contains("<span class=\"state up\">up</span>"), row);
    }

    @Test
    void passiveHealthEjectedIt() {
        assertTrue(healthLog.stream().anyMatch(r -> r.getMessage().contains("out of rotation")),
                "expected the ejection's warning, got " + healthLog.size() + " records");
    }

    @Test
    void chromiumReportsNoConsoleMessageSoNoPolicyViolation() {
        assertTrue(load.dom().contains("<h1>Sluice status</h1>"), "the page was loaded:\n" + load.dom());
        assertEquals(List.of(), load.console());
    }

    @Test
    void chromiumTookAScreenshot() throws IOException {
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG of " + png.length + " bytes");
    }
}
