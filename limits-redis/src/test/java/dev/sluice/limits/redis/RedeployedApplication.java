package dev.sluice.limits.redis;

import dev.sluice.SluiceFilter;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.catalina.LifecycleException;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;

/**
 * An embedded Tomcat that deploys an application using the Redis store as a real host does, each
 * deployment with its own class loader: Sluice, this module, Lettuce, Netty and Reactor are in its
 * {@code WEB-INF}, as in a WAR. MicroProfile Config stays the container's, so the deployments read
 * {@link TestConfigSource}.
 */
final class RedeployedApplication implements AutoCloseable {
    /** Libraries the application carries, found on the test class path by the start of their file names. */
    private static final List<String> LIBRARIES = List.of("lettuce-core", "netty-", "reactor-core", "reactive-streams",
            "httpclient5", "httpcore5", "caffeine");
    /** Sluice in front of Tomcat's default servlet, which serves every path. */
    private static final String WEB_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <servlet>
                <servlet-name>default</servlet-name>
                <servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class>
              </servlet>
              <servlet-mapping><servlet-name>default</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
              <filter>
                <filter-name>sluice</filter-name>
                <filter-class>dev.sluice.SluiceFilter</filter-class>
                <async-supported>true</async-supported>
              </filter>
              <filter-mapping><filter-name>sluice</filter-name><servlet-name>default</servlet-name></filter-mapping>
            </web-app>
            """;
    /** Only the application's own libraries are scanned: the whole test class path takes seconds a deployment. */
    private static final String CONTEXT_XML = """
            <Context>
              <JarScanner scanClassPath="false"/>
            </Context>
            """;

    private final Tomcat tomcat = new Tomcat();
    private final Path application;

    RedeployedApplication(Path dir) throws IOException, LifecycleException {
        application = dir.resolve("app");
        Path classes = Files.createDirectories(application.resolve("WEB-INF/classes"));
        Path lib = Files.createDirectories(application.resolve("WEB-INF/lib"));
        Files.writeString(application.resolve("WEB-INF/web.xml"), WEB_XML);
        Files.writeString(Files.createDirectories(application.resolve("META-INF")).resolve("context.xml"), CONTEXT_XML);
        for (Class<?> code : List.of(SluiceFilter.class, RedisStoreProvider.class)) {
            Path from = location(code);
            if (Files.isDirectory(from)) {
                copyTree(from, classes);
            } else {
                Files.copy(from, lib.resolve(from.getFileName()));
            }
        }
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : path.split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            String name = jar.getFileName().toString();
            if (name.endsWith(".jar") && LIBRARIES.stream().anyMatch(name::startsWith)) {
                Files.copy(jar, lib.resolve(name));
            }
        }
        tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat")).toString());
        Files.createDirectories(dir.resolve("tomcat/webapps"));
        tomcat.setHostname("127.0.0.1");
        tomcat.getHost();
        tomcat.getConnector().setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.start();
    }

    private static Path location(Class<?> code) {
        try {
            return Path.of(code.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!Files.exists(target)) {
                    Files.copy(file, target);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    StandardHost host() {
        return (StandardHost) tomcat.getHost();
    }

    /** Deploys the application at this context path and returns it started. */
    StandardContext deploy(String path) {
        StandardContext context = new StandardContext();
        context.setPath(path);
        context.setName(path);
        context.setDocBase(application.toString());
        ContextConfig config = new ContextConfig();
        // No JSP servlet: the test class path has no Jasper.
        config.setDefaultWebXml(Constants.NoDefaultWebXml);
        context.addLifecycleListener(config);
        tomcat.getHost().addChild(context);
        if (!context.getState().isAvailable()) {
            throw new IllegalStateException("the application at " + path + " did not start: " + context.getState());
        }
        return context;
    }

    /** Stops the application and removes it, as undeploying it does. */
    void undeploy(StandardContext context) {
        tomcat.getHost().removeChild(context);
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
