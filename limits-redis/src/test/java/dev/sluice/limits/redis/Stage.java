package dev.sluice.limits.redis;

import java.net.http.HttpClient;
import java.time.Duration;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test of the filter in front of Redis stands on, set anew for each test: an origin that
 * the route {@code /api} of the tests' configuration forwards to (the upstream {@code main}, with
 * the status view at {@code /_sluice/status}), and an HTTP client to call the application with.
 * The test adds its Redis and its instances; all of it is stopped after the test, as by
 * {@link Started}.
 */
final class Stage extends Started {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Origin origin;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        super.beforeEach(context);
        origin = add(new Origin());
        TestConfigSource.forwardApiTo(origin);
    }

    Origin origin() {
        return origin;
    }

    HttpClient client() {
        return client;
    }
}
