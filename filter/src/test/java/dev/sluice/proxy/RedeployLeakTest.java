package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.File;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redeploying the application leaves nothing of the old one behind: its class loader, Sluice's
 * threads and the descriptors they held all go with it. The WAR carries its libraries in
 * {@code WEB-INF/lib}, as the example WAR and most users' do, so that MicroProfile Config,
 * SmallRye and HttpClient are loaded by each deployment's own class loader, as in a real Tomcat.
 */
@Tag("own-jvm") // counts the JVM's threads and descriptors: no test may run beside it
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedeployLeakTest {
    private static final int REDEPLOYS = 10;
    /** Libraries the WAR carries, found on the test class path by these parts of their file names. */
    private static final List<String> LIBRARIES = List.of("httpclient5", "httpcore5", "caffeine",
            "microprofile-config-api", "smallrye-config", "smallrye-common", "jboss-logging");

    private TestOrigin echo;
    private Tomcat tomcat;
    private File war;
    private HttpClient client;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        echo = TestOrigin.start("redeploy-echo", Handlers.echo());
        WebArchive archive = SluiceDeployment.war("leak", SluiceDeployment.route("echo", "127.0.0.1:" + echo.port()));
        libraries().forEach(archive::addAsLibrary);
        war = dir.resolve("leak.war").toFile();
        archive.as(ZipExporter.class).exportTo(war, true);
        tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        Files.createDirectories(dir.resolve("tomcat/webapps"));
        tomcat.setHostname("127.0.0.1");
        tomcat.getHost(); // before start, so that the mapper knows it
        tomcat.getConnector().setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.start();
        base = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/leak";
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static List<File> libraries() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<File> jars = Arrays.stream(path.split(File.pathSeparator)).map(File::new)
                .filter(f -> f.getName().endsWith(".jar") && LIBRARIES.stream().anyMatch(f.getName()::startsWith)).toList();
        assertEquals(LIBRARIES.size(), jars.stream().map(f -> LIBRARIES.stream().filter(f.getName()::startsWith).findFirst().orElseThrow()).distinct().count(),
                "a library of the WAR is missing from the test class path: " + jars);
        return jars;
    }

    /** Deploys the WAR, proxies a few requests through its route, and undeploys it. */
    @SuppressWarnings("deprecation") // addServletMappingDecoded, deprecated in 10.1 yet still how a servlet added by hand is mapped
    private ClassLoader deployServeUndeploy() throws Exception {
        StandardContext context = new StandardContext();
        context.setName("/leak");
        context.setPath("/leak");
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
        config.setDefaultWebXml(Constants.NoDefaultWebXml); // no JSP servlet: the test has no Jasper
        context.addLifecycleListener(config);
        // Only the WAR's own libraries: scanning the whole test class path took seconds per deployment.
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        tomcat.getHost().addChild(context);
        assertEquals(LifecycleState.STARTED, context.getState(), "the application did not start");
        ClassLoader loader = context.getLoader().getClassLoader();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/echo/" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("hello " + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
        }
        tomcat.getHost().removeChild(context);
        return loader;
    }

    /**
     * Each deployment serves proxied requests, so that Sluice's pools, lanes and timer ran and the
     * container's request classes met Sluice's code. The descriptors are counted after the first
     * round, once what the JVM opens once (its own JARs, the test client's selector) is open.
     */
    @Test
    void redeployingLeavesNoClassLoaderThreadOrDescriptorBehind() throws Exception {
        Set<Thread> earlier = sluiceThreads();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        loaders.add(new WeakReference<>(deployServeUndeploy()));
        long descriptorsBefore = descriptors();
        for (int i = 1; i < REDEPLOYS; i++) {
            loaders.add(new WeakReference<>(deployServeUndeploy()));
        }
        long live = liveAfterGc(loaders);
        long descriptorsAfter = descriptors();
        Set<Thread> left = sluiceThreads();
        left.removeAll(earlier);

        assertEquals(0, live, "class loaders of undeployed applications still reachable, of " + REDEPLOYS);
        assertEquals(Set.of(), left, "Sluice threads outlived their application");
        // Slack for the JVM's own lazily opened files; a leak costs at least one per deployment.
        assertTrue(descriptorsAfter - descriptorsBefore <= 2,
                "open descriptors grew from " + descriptorsBefore + " to " + descriptorsAfter + " over " + (REDEPLOYS - 1) + " redeploys");
    }

    /** How many of the loaders a few full collections leave, given a few seconds to finish threads that are ending. */
    private static long liveAfterGc(List<WeakReference<ClassLoader>> loaders) throws InterruptedException {
        long live = loaders.size();
        for (int attempt = 0; attempt < 50 && live > 0; attempt++) {
            System.gc();
            live = loaders.stream().filter(l -> l.get() != null).count();
            if (live > 0) {
                Thread.sleep(100);
            }
        }
        return live;
    }

    /** Threads Sluice names, of any application in this JVM: the other containers' tests share it. */
    private static Set<Thread> sluiceThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> !t.getName().startsWith("sluice-"));
        return threads;
    }

    private static long descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
