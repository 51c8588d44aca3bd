package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.HidingClassLoader;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestOrigin;

import java.io.File;
import java.nio.file.Path;
import java.util.logging.Level;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micrometer and the OpenTelemetry API are optional: an application without them, in a real
 * Tomcat, starts Sluice and has its requests forwarded and logged as ever, trace context passed
 * unchanged. The WAR carries Sluice's classes, so they link against what the application's loader
 * sees: the test class path without Micrometer and OpenTelemetry.
 */
class WithoutMicrometerTest {
    private static final String ENGINE = "no-micrometer-test";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @TempDir
    private Path dir;

    @Test
    void anApplicationWithoutMicrometerOrOpenTelemetryForwardsAndLogsAsEver() throws Exception {
        try (TestOrigin origin = TestOrigin.start("origin", Handlers.echo())) {
            WebArchive war = SluiceDeployment.war("no-micrometer", "sluice.access-log=true\n"
                    + SluiceDeployment.route("api", "127.0.0.1:" + origin.port()));
            File file = dir.resolve(war.getName()).toFile();
            war.as(ZipExporter.class).exportTo(file, true);
            Tomcat tomcat = OwnTomcat.create(dir, ENGINE);
            Connector connector = tomcat.getConnector();
            Context context = tomcat.addWebapp("/no-micrometer", file.getAbsolutePath());
            context.setParentClassLoader(new HidingClassLoader(getClass().getClassLoader(), "io/micrometer/",
                    "io/opentelemetry/"));
            try (LogCapture log = LogCapture.start()) {
                tomcat.start();
                assertTrue(context.getState().isAvailable(), "the application must start: " + log.messages());
                assertEquals(200, RawClient.get(connector.getLocalPort(), "/no-micrometer/api/x", "X-Request-Id: no-mm",
                        "traceparent: " + TRACEPARENT).status());
                assertEquals(TRACEPARENT, origin.requests().get(0).header("traceparent"));
                assertTrue(log.logged(Level.INFO, "id=no-mm", java.time.Duration.ofSeconds(5)), "access log: " + log.messages());
            } finally {
                tomcat.stop();
                tomcat.destroy();
            }
        }
    }
}
