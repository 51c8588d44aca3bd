package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.LogCapture;

import java.io.IOException;
import java.util.logging.Level;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Declared without async support, Sluice says so with a 500 instead of failing obscurely. */
class AsyncSupportTest extends SluiceInTomcat {
    @Deployment(testable = false)
    static WebArchive deployment() {
        return SluiceDeployment.war("no-async", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9
                """, """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter>
                    <filter-name>sluice</filter-name>
                    <filter-class>dev.sluice.SluiceFilter</filter-class>
                  </filter>
                  <filter-mapping><filter-name>sluice</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                </web-app>
                """);
    }

    @Test
    void missingAsyncSupportIsA500() throws IOException {
        try (LogCapture log = LogCapture.start()) {
            assertEquals(500, get("/api/x").status());
            // Tomcat would answer 500 too if startAsync threw; the log says it was Sluice's refusal.
            assertTrue(log.logged(Level.SEVERE, "<async-supported>true</async-supported>"), log.messages().toString());
        }
    }
}
