package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.time.Duration;
import java.util.logging.Level;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** A filter before Sluice that consumed the body gives a clear error at once, never an empty body or a hang. */
class FilterOrderTest extends SluiceInTomcat {
    private static TestOrigin origin;
    private static long lastLogLine;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", Handlers.echo());
        return SluiceDeployment.warWithFiltersFirst("order", route("api", "127.0.0.1:" + origin.port()), ParameterReadingFilter.class);
    }

    @Test
    void consumedFormBodyIsAClearErrorNotAHang() throws Exception {
        byte[] form = "a=1&b=2".getBytes(US_ASCII);
        assertRefusedWithTheFixLogged("POST /order/api/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + form.length + "\r\n\r\n", form);
    }

    @Test
    void consumedChunkedFormBodyIsAClearError() throws Exception {
        assertRefusedWithTheFixLogged("POST /order/api/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n7\r\na=1&b=2\r\n0\r\n\r\n", null);
    }

    /** A 500 at once, nothing upstream, and a log line telling the operator to map Sluice first. */
    private void assertRefusedWithTheFixLogged(String head, byte[] body) throws Exception {
        // The line is logged at most once a second: leave the previous test's second behind.
        Thread.sleep(Math.max(0, lastLogLine + 1_100 - System.currentTimeMillis()));
        try (LogCapture log = LogCapture.start(); RawClient client = RawClient.connect(port())) {
            client.send(head, body);
            assertEquals(500, client.readResponse().status());
            assertTrue(log.logged(Level.SEVERE, "something before it read the request body", Duration.ofSeconds(5)), log.messages().toString());
            assertTrue(log.logged(Level.SEVERE, "Map the Sluice filter first"), log.messages().toString());
        } finally {
            lastLogLine = System.currentTimeMillis();
        }
        assertTrue(origin.requests().stream().noneMatch(r -> r.method().equals("POST")), "nothing half-read may go upstream");
    }

    @Test
    void requestsWithoutBodyStillPass() throws IOException {
        assertEquals(200, get("/api/x").status());
    }
}
