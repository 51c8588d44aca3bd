package dev.sluice.proxy;

import java.io.File;
import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The WAR in Jetty 12 (Jakarta EE 10), deployed as Jetty deploys any WAR. */
class JettyContainerTest extends OtherContainerTest {
    private Server jetty;

    JettyContainerTest() {
        super("jetty");
    }

    @Override
    int startContainer(File war, String context, Path work) throws Exception {
        jetty = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // HTTP/1.1, and cleartext HTTP/2 after an upgrade.
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        WebAppContext app = new WebAppContext();
        app.setContextPath(context);
        app.setWar(war.getAbsolutePath());
        app.setTempDirectory(work.toFile());
        jetty.setHandler(app);
        jetty.start();
        return connector.getLocalPort();
    }

    @Override
    void stopContainer() throws Exception {
        if (jetty != null) {
            jetty.stop();
            jetty = null;
        }
    }
}
