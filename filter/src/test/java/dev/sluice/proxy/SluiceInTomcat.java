package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the Arquillian tests share: the WAR (see {@link SluiceDeployment}) deployed in the adapter's
 * embedded Tomcat, the test origins its {@code @Deployment} method starts, which live until the
 * class's tests are done and forget their requests before each test, and plain requests to the
 * deployed application.
 */
@ExtendWith(ArquillianExtension.class)
abstract class SluiceInTomcat {
    private static final List<TestOrigin> ORIGINS = new CopyOnWriteArrayList<>();

    @ArquillianResource
    URL base;

    /** Starts an origin for this class's tests; call it from the {@code @Deployment} method. */
    static TestOrigin origin(String name, TestOrigin.Handler handler) throws IOException {
        return closedAfterTheClass(TestOrigin.start(name, handler));
    }

    /** An origin started otherwise (with TLS, say), closed with the others. */
    static TestOrigin closedAfterTheClass(TestOrigin origin) {
        ORIGINS.add(origin);
        return origin;
    }

    @BeforeEach
    void forgetRequests() {
        ORIGINS.forEach(TestOrigin::clear);
    }

    @AfterAll
    static void closeOrigins() {
        ORIGINS.forEach(TestOrigin::close);
        ORIGINS.clear();
    }

    int port() {
        return base.getPort();
    }

    /** The path, from the application's root ({@code /api/x}), as a target on the server. */
    String inApplication(String path) {
        return base.getPath().replaceAll("/$", "") + path;
    }

    /** A GET of the path, from the application's root, with these header lines. */
    RawResponse get(String path, String... headerLines) throws IOException {
        return RawClient.get(port(), inApplication(path), headerLines);
    }

    /** A POST of the body to the path, from the application's root, with these header lines. */
    RawResponse post(String path, byte[] body, String... headerLines) throws IOException {
        try (RawClient client = RawClient.connect(port())) {
            client.send("POST " + inApplication(path) + " HTTP/1.1\r\nHost: localhost\r\n" + String.join("\r\n", headerLines) + "\r\n\r\n", body);
            return client.readResponse();
        }
    }

    /** The body in HTTP/1.1 chunked coding, in chunks of 7,000 bytes. */
    static byte[] chunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int offset = 0; offset < body.length; offset += 7_000) {
            int length = Math.min(7_000, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(US_ASCII));
            out.write(body, offset, length);
            out.writeBytes("\r\n".getBytes(US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(US_ASCII));
        return out.toByteArray();
    }

    /**
     * The status of a GET once it is not a 503 (or the patience ran out) for an upstream whose
     * pool a finished exchange still held: an exchange ends a moment after its client sees the
     * end, as the container and Sluice notice on threads of their own.
     */
    int statusOnceNot503(String path, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        int status;
        while ((status = get(path).status()) == 503 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return status;
    }

    /** The one request the origin saw during the test. */
    static RecordedRequest onlyRequestSeen(TestOrigin origin) {
        List<RecordedRequest> seen = origin.requests();
        assertEquals(1, seen.size(), "requests the origin saw");
        return seen.get(0);
    }
}
