package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;


import java.io.IOException;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** A client outside the allowed addresses never learns the status view exists. */
class StatusViewDeniedTest extends SluiceInTomcat {
    @Deployment(testable = false)
    static WebArchive deployment() {
        return SluiceDeployment.war("status-denied", """
                sluice.status.path=/app/status
                sluice.status.allow=10.0.0.0/8
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9
                """);
    }

    @Test
    void requestFromElsewhereGoesToTheApplication() throws IOException {
        String body = new String(get("/app/status").body(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("app GET /status-denied/app/status", body);
    }
}
