package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 100 MiB each way through a JVM whose whole heap (Tomcat, the filter, the origin and this client)
 * is 96 MiB: only streaming with bounded buffers can pass.
 */
@ExtendWith(ArquillianExtension.class)
class LargeBodyTest {
    private static final long SIZE = 100L * 1024 * 1024;

    private static TestOrigin origin;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = TestOrigin.start("origin", exchange -> {
            if (exchange.request().method().equals("GET")) {
                Handlers.bytes(SIZE).handle(exchange);
            } else {
                Handlers.echo().handle(exchange);
            }
        });
        return SluiceDeployment.war("large", route("files", "127.0.0.1:" + origin.port()));
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @Test
    void hundredMebibyteDownloadStreamsThrough() throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base + "files/download")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals(Long.toString(SIZE), response.headers().firstValue("Content-Length").orElse(null));
        assertEquals(Handlers.expectedSha256(SIZE), Handlers.sha256(response.body()));
    }

    @Test
    void hundredMebibyteUploadStreamsThrough() throws Exception {
        HttpRequest upload = HttpRequest.newBuilder(URI.create(base + "files/upload"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> Handlers.stream(SIZE)),
                        SIZE))
                .build();
        HttpResponse<Void> response = HttpClient.newHttpClient().send(upload, HttpResponse.BodyHandlers.discarding());
        assertEquals(200, response.statusCode());
        List<RecordedRequest> seen = origin.requests();
        RecordedRequest received = seen.get(seen.size() - 1);
        assertEquals(SIZE, received.bodyLength());
        assertEquals(Handlers.expectedSha256(SIZE), received.bodySha256());
    }
}
