package dev.sluice.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one JAR in WEB-INF/lib of a WAR in a real Tomcat, forwarding one request: the libraries it
 * moved inside work there, and the moved SLF4J logs HttpClient's lines to java.util.logging, where
 * Sluice's own go, with no word on standard error. The test class path holds Tomcat and SmallRye,
 * not the plain filter nor its libraries (see this module's pom.xml).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleDeploymentIT {
    private final List<LogRecord> httpClientLog = new CopyOnWriteArrayList<>();
    private final Logger shaded = Logger.getLogger("dev.sluice.shaded.hc");
    private final Handler collect = new Handler() {
        @Override
        public void publish(LogRecord record) {
            httpClientLog.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ByteArrayOutputStream standardError = new ByteArrayOutputStream();
    private HttpResponse<String> response;

    @BeforeAll
    void deployAndForwardOneRequest(@TempDir Path dir) throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/", exchange -> {
            byte[] body = ("origin " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();

        Path app = dir.resolve("app");
        Files.createDirectories(app.resolve("WEB-INF/lib"));
        Files.createDirectories(app.resolve("WEB-INF/classes/META-INF"));
        Files.copy(Path.of(System.getProperty("bundle.jar")), app.resolve("WEB-INF/lib/sluice-filter-bundle.jar"));
        Files.writeString(app.resolve("WEB-INF/classes/META-INF/microprofile-config.properties"), """
                sluice.route.api.path=/api
                sluice.route.api.upstream=origin
                sluice.upstream.origin.nodes=127.0.0.1:%d
                """.formatted(origin.getAddress().getPort()));

        shaded.setLevel(Level.FINE);
        shaded.setUseParentHandlers(false); // collected, not printed
        shaded.addHandler(collect);
        PrintStream error = System.err;
        System.setErr(new PrintStream(tee(error, standardError), true, StandardCharsets.UTF_8));
        Tomcat tomcat = new Tomcat();
        try {
            tomcat.setBaseDir(dir.resolve("tomcat").toString());
            tomcat.setAddDefaultWebXmlToWebapp(false);
            Connector connector = new Connector();
            connector.setProperty("address", "127.0.0.1");
            connector.setPort(0);
            tomcat.setConnector(connector);
            Context context = tomcat.addWebapp("/shop", app.toString());
            // Declared as web.xml would declare it, by class name: the class comes from WEB-INF/lib.
            FilterDef sluice = new FilterDef();
            sluice.setFilterName("sluice");
            sluice.setFilterClass("dev.sluice.SluiceFilter");
            sluice.setAsyncSupported("true");
            context.addFilterDef(sluice);
            FilterMap everything = new FilterMap();
            everything.setFilterName("sluice");
            everything.addURLPattern("/*");
            context.addFilterMap(everything);
            // Tomcat runs filters only for a request some servlet is mapped to.
            Tomcat.addServlet(context, "default", "org.apache.catalina.servlets.DefaultServlet");
            context.addServletMappingDecoded("/", "default");
            tomcat.start();
            HttpClient client = HttpClient.newHttpClient();
            response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/shop/api/items")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } finally {
            tomcat.stop();
            tomcat.destroy();
            System.setErr(error);
            origin.stop(0);
        }
    }

    @AfterAll
    void restoreLogging() {
        shaded.removeHandler(collect);
        shaded.setUseParentHandlers(true);
        shaded.setLevel(null);
    }

    @Test
    void forwardsThroughTheMovedHttpClient() {
        assertEquals(200, response.statusCode());
        assertEquals("origin /shop/api/items", response.body());
    }

    @Test
    void httpClientLogsToJavaUtilLoggingUnderTheMovedName() {
        assertTrue(httpClientLog.stream().anyMatch(r -> r.getLoggerName().startsWith("dev.sluice.shaded.hc.client5.")),
                "expected HttpClient's FINE lines, got " + httpClientLog.size() + " records");
    }

    @Test
    void slf4jSaysNothingOnStandardError() {
        String said = standardError.toString(StandardCharsets.UTF_8);
        assertFalse(said.contains("SLF4J"), said);
    }

    private static OutputStream tee(PrintStream first, ByteArrayOutputStream second) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                first.write(bytes, offset, length);
                second.write(bytes, offset, length);
            }
        };
    }
}
