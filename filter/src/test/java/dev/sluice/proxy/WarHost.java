package dev.sluice.proxy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * An embedded Tomcat on a free port of 127.0.0.1 that deploys and undeploys WAR files as a real
 * Tomcat's host does: each deployment with its own web application class loader, for the tests
 * that follow an application's life (redeploys, undeploys under load, the soak).
 */
final class WarHost implements AutoCloseable {
    private final Tomcat tomcat;
    private final Path dir;

    private WarHost(Tomcat tomcat, Path dir) {
        this.tomcat = tomcat;
        this.dir = dir;
    }

    /** Starts a Tomcat with its default connector. */
    static WarHost start(Path dir) throws LifecycleException, IOException {
        return start(dir, null);
    }

    /**
     * Starts a Tomcat working in {@code dir}.
     *
     * @param connector the HTTP connector (its port and address are set here), or null for Tomcat's default
     */
    static WarHost start(Path dir, Connector connector) throws LifecycleException, IOException {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        Files.createDirectories(dir.resolve("tomcat/webapps"));
        tomcat.setHostname("127.0.0.1");
        tomcat.getHost(); // before start, so that the mapper knows it
        if (connector != null) {
            tomcat.setConnector(connector);
        }
        tomcat.getConnector().setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.start();
        return new WarHost(tomcat, dir);
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    StandardHost host() {
        return (StandardHost) tomcat.getHost();
    }

    /** Writes the archive to a WAR file in the host's directory. */
    File export(WebArchive archive) {
        File war = dir.resolve(archive.getName()).toFile();
        archive.as(ZipExporter.class).exportTo(war, true);
        return war;
    }

    /** Deploys the WAR at this context path ({@code /name}) and returns it started. */
    @SuppressWarnings("deprecation") // addServletMappingDecoded, deprecated in 10.1 yet still how a servlet added by hand is mapped
    StandardContext deploy(File war, String path) {
        StandardContext context = new StandardContext();
        context.setName(path);
        context.setPath(path);
        context.setDocBase(war.getAbsolutePath());
        context.addLifecycleListener(event -> {
            if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                // A default servlet, as Tomcat's conf/web.xml gives: a path no servlet maps runs no filter.
                Wrapper servlet = context.createWrapper();
                servlet.setName("default");
                servlet.setServletClass(DefaultServlet.class.getName());
                context.addChild(servlet);
                context.addServletMappingDecoded("/", "default");
            }
        });
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(Constants.NoDefaultWebXml); // no JSP servlet: the tests have no Jasper
        context.addLifecycleListener(config);
        // Only the WAR's own libraries: scanning the whole test class path took seconds per deployment.
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        tomcat.getHost().addChild(context);
        if (context.getState() != LifecycleState.STARTED) {
            throw new IllegalStateException("the application at " + path + " did not start: " + context.getState());
        }
        return context;
    }

    /** Stops the application and removes it from the host, as undeploying it does. */
    void undeploy(StandardContext context) {
        tomcat.getHost().removeChild(context);
    }

    /** Closes each of these that was started, for a test's end: a host, its origins. */
    static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable closeable : started) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
