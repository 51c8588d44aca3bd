package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.HidingClassLoader;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawClient;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WAR without MicroProfile Config, in a real Tomcat: the start fails with a message from Sluice
 * naming what is missing and the artifact that brings it, where the container alone would only
 * say that a filter failed to start. The Tomcat's application sees the test class path without
 * the MicroProfile Config API and SmallRye, as a WAR that does not ship them would.
 */
class MissingMicroProfileConfigTest {
    private static final String[] NO_MICROPROFILE_CONFIG = {
        "org/eclipse/microprofile/", "io/smallrye/", "META-INF/services/org.eclipse.microprofile."};
    private static final String ENGINE = "missing-mp-config-test";
    private static final String SMALLRYE = "io.smallrye.config:smallrye-config-core:" + System.getProperty("test.smallrye-config.version");

    @TempDir
    private Path dir;

    @Test
    void withoutAnImplementationTheStartFailsNamingSmallRye() throws Exception {
        // The API ships in the WAR, as it would with a forgotten implementation.
        File api = Path.of(ConfigProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile();
        String message = failedStart(SluiceDeployment.war("no-implementation", "").addAsLibrary(api));
        assertTrue(message.contains("Sluice cannot start: no MicroProfile Config implementation was found"), message);
        assertTrue(message.contains(SMALLRYE), message);
    }

    @Test
    void withoutTheApiTheStartFailsNamingTheApiAndSmallRye() throws Exception {
        String message = failedStart(SluiceDeployment.war("no-api", ""));
        assertTrue(message.contains("Sluice cannot start: the MicroProfile Config API (org.eclipse.microprofile.config) is not on the application's class path"), message);
        assertTrue(message.contains(SMALLRYE), message);
        assertTrue(message.contains("org.eclipse.microprofile.config:microprofile-config-api:"), message);
    }

    /**
     * Deploys the WAR into a Tomcat of its own, checks that the application did not start and does
     * not answer, and returns what Sluice logged at SEVERE.
     */
    private String failedStart(WebArchive war) throws Exception {
        String name = war.getName().replace(".war", "");
        File file = dir.resolve(war.getName()).toFile();
        war.as(ZipExporter.class).exportTo(file, true);
        Tomcat tomcat = OwnTomcat.create(dir, ENGINE);
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Connector connector = tomcat.getConnector();
        Context context = tomcat.addWebapp("/" + name, file.getAbsolutePath());
        context.setParentClassLoader(new HidingClassLoader(getClass().getClassLoader(), NO_MICROPROFILE_CONFIG));
        // Tomcat's own report of the failure (with Sluice's message as its cause) is expected here.
        List<Logger> tomcatReports = List.of(Logger.getLogger("org.apache.catalina.core.StandardContext"),
                Logger.getLogger("org.apache.catalina.core.ContainerBase.[" + ENGINE + "].[localhost].[/" + name + "]"));
        tomcatReports.forEach(logger -> logger.setLevel(Level.OFF));
        try (LogCapture log = LogCapture.expecting(Level.SEVERE, "Sluice cannot start")) {
            tomcat.start();
            assertFalse(context.getState().isAvailable(), "the application must not start");
            assertNotEquals(200, RawClient.get(connector.getLocalPort(), "/" + name + "/app/x").status(), "nor answer");
            return log.messages().stream().filter(m -> m.startsWith("SEVERE Sluice")).findFirst()
                    .orElseThrow(() -> new AssertionError("no SEVERE message from Sluice: " + log.messages()));
        } finally {
            tomcat.stop();
            tomcat.destroy();
            tomcatReports.forEach(logger -> logger.setLevel(null));
        }
    }
}
