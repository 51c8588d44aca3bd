package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Request bodies on their way up: whole, with the length the client gave, chunked only when too large to gather. */
class RequestBodiesTest extends SluiceInTomcat {
    private static final String ECHO = "/api/echo";

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("origin", Handlers.echo());
        return SluiceDeployment.war("uploads", SluiceDeployment.route("api", "127.0.0.1:" + origin.port()));
    }

    private RecordedRequest onlyRequestSeen() {
        return onlyRequestSeen(origin);
    }

    @Test
    void anEmptyPostGoesUpWithContentLengthZero() throws IOException {
        RawResponse response = post(ECHO, new byte[0], "Content-Length: 0");
        assertEquals(200, response.status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("POST", seen.method());
        // RFC 9110 8.6: sent even when 0 for a method that defines content; some servers answer 411 without it.
        assertEquals("0", seen.header("Content-Length"));
    }

    @Test
    void smallContentLengthBodyArrivesWithItsLength() throws IOException {
        byte[] body = "a=1&b=2".getBytes(US_ASCII);
        RawResponse response = post(ECHO, body, "Content-Length: " + body.length, "Content-Type: application/x-www-form-urlencoded");
        assertEquals(200, response.status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertEquals("application/x-www-form-urlencoded", seen.header("Content-Type"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void largeContentLengthBodyStreamsWithItsLength() throws IOException {
        byte[] body = Handlers.pattern(300_000);
        assertEquals(200, post(ECHO, body, "Content-Length: " + body.length).status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertNull(seen.header("Transfer-Encoding"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void smallChunkedBodyIsSentWithItsLength() throws IOException {
        byte[] body = "chunked but small".getBytes(US_ASCII);
        assertEquals(200, post(ECHO, chunk(body), "Transfer-Encoding: chunked").status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals(Integer.toString(body.length), seen.header("Content-Length"));
        assertArrayEquals(body, seen.body());
    }

    @Test
    void largeChunkedBodyStaysChunked() throws IOException {
        byte[] body = Handlers.pattern(300_000);
        assertEquals(200, post(ECHO, chunk(body), "Transfer-Encoding: chunked").status());
        RecordedRequest seen = onlyRequestSeen();
        assertEquals("chunked", seen.header("Transfer-Encoding"));
        assertNull(seen.header("Content-Length"));
        assertArrayEquals(body, seen.body());
    }
}
