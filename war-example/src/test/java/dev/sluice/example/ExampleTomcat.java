package dev.sluice.example;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * The example WAR, as built ({@code example.war}, set by the failsafe plugin), in an embedded
 * Tomcat on a free loopback port at the root context path. Its configuration is the WAR's own, with
 * the given keys overridden through system properties (which MicroProfile Config reads before
 * {@code microprofile-config.properties}), so a test can move its nodes to ports of its own.
 */
final class ExampleTomcat implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Map<String, String> overrides;
    private URI base;

    private ExampleTomcat(Map<String, String> overrides) {
        this.overrides = overrides;
    }

    /** Starts the example in {@code dir}; the overrides hold until {@link #close()}. */
    static ExampleTomcat start(Path dir, Map<String, String> overrides) throws Exception {
        ExampleTomcat example = new ExampleTomcat(overrides);
        overrides.forEach(System::setProperty);
        try {
            example.start(dir);
        } catch (Exception | Error e) {
            try {
                example.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return example;
    }

    private void start(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tomcat/webapps")); // the WAR is expanded there
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        tomcat.setAddDefaultWebXmlToWebapp(false);
        tomcat.setPort(0);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        Context context = tomcat.addWebapp("", Path.of(System.getProperty("example.war")).toAbsolutePath().toString());
        // None of the WAR's libraries holds a web fragment, TLD or initializer (its web.xml declares it all);
        // reading the bundle's 2,500 classes for annotations was most of the start on a busy machine.
        context.getJarScanner().setJarScanFilter((type, jar) -> false);
        // Tomcat runs filters only for a request some servlet is mapped to (the status path has none).
        Tomcat.addServlet(context, "default", "org.apache.catalina.servlets.DefaultServlet").addMapping("/");
        tomcat.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    /** {@code http://127.0.0.1:<port>}, the example's root. */
    URI base() {
        return base;
    }

    @Override
    public void close() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            overrides.keySet().forEach(System::clearProperty);
        }
    }
}
