package dev.sluice.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** A Tomcat of a test's own, for deployments the Arquillian container cannot make (a parent class loader of the test's choosing). */
final class OwnTomcat {
    private OwnTomcat() {
    }

    /**
     * A Tomcat based under the directory, listening on a free loopback port, not started.
     *
     * @param engine the engine's name, keeping its JMX names clear of the Arquillian container's
     */
    static Tomcat create(Path dir, String engine) throws IOException {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        Files.createDirectories(dir.resolve("tomcat").resolve(tomcat.getHost().getAppBase()));
        tomcat.getEngine().setName(engine);
        Connector connector = new Connector();
        connector.setProperty("address", "127.0.0.1");
        connector.setPort(0);
        tomcat.setConnector(connector);
        return tomcat;
    }
}
