package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Behind a reverse proxy on the same host every client's peer is a loopback address, which the
 * status view allows by default: the client the trusted proxy reports must be allowed too.
 */
class StatusViewBehindProxyTest extends SluiceInTomcat {
    @Deployment(testable = false)
    static WebArchive deployment() {
        return SluiceDeployment.war("status-proxied", """
                sluice.status.path=/app/status
                sluice.trusted-proxies=127.0.0.1
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9
                """);
    }

    @Test
    void anOutsideClientThroughTheLocalProxyNeverSeesTheView() throws IOException {
        assertEquals("app GET /status-proxied/app/status", body("X-Forwarded-For: 203.0.113.9"));
    }

    @Test
    void aLocalClientThroughTheLocalProxySeesTheView() throws IOException {
        assertTrue(body("X-Forwarded-For: 127.0.0.1").startsWith("{\"upstreams\""));
    }

    private String body(String forwardedFor) throws IOException {
        return new String(get("/app/status", forwardedFor).body(), StandardCharsets.UTF_8);
    }
}
