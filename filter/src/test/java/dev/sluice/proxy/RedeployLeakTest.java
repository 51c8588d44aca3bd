package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.catalina.core.StandardContext;
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
    private static final int REDEPLOYS = 20;
    /** Libraries the WAR carries, found on the test class path by these parts of their file names. */
    private static final List<String> LIBRARIES = List.of("httpclient5", "httpcore5", "caffeine",
            "microprofile-config-api", "smallrye-config", "smallrye-common", "jboss-logging");

    private TestOrigin echo;
    private WarHost host;
    private File war;
    private HttpClient client;
    private String base;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        echo = TestOrigin.start("redeploy-echo", Handlers.echo());
        WebArchive archive = SluiceDeployment.war("leak", SluiceDeployment.route("echo", "127.0.0.1:" + echo.port()));
        libraries().forEach(archive::addAsLibrary);
        host = WarHost.start(dir);
        war = host.export(archive);
        base = "http://127.0.0.1:" + host.port() + "/leak";
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    void stop() throws Exception {
        WarHost.closeAll(host, echo);
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
    private ClassLoader deployServeUndeploy() throws Exception {
        StandardContext context = host.deploy(war, "/leak");
        ClassLoader loader = context.getLoader().getClassLoader();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/echo/" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("hello " + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
        }
        host.undeploy(context);
        return loader;
    }

    /**
     * Twenty redeployments while a client keeps sending proxied requests (answered by the
     * application of the moment, or 404/503 between two). Each deployment serves proxied requests
     * itself too, so that Sluice's pools, lanes and timer ran and the container's request classes
     * met Sluice's code. The descriptors and the heap are measured after the first round, once
     * what the JVM opens and loads once (its own JARs, the test client's selector) is there.
     */
    @Test
    void redeployingUnderLoadLeavesNoClassLoaderThreadOrDescriptorBehind() throws Exception {
        Set<Thread> earlier = Leftovers.sluiceThreads();
        LightLoad load = new LightLoad(host.port());
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        loaders.add(new WeakReference<>(deployServeUndeploy()));
        Leftovers.liveAfterGc(loaders);
        long descriptorsBefore = Leftovers.openDescriptors();
        long heapBefore = heapAfterGc();
        for (int i = 1; i < REDEPLOYS; i++) {
            loaders.add(new WeakReference<>(deployServeUndeploy()));
        }
        load.stop();
        long live = Leftovers.liveAfterGc(loaders);
        long descriptorsAfter = Leftovers.openDescriptors();
        long heapAfter = heapAfterGc();
        Set<Thread> left = Leftovers.newSluiceThreads(earlier);

        assertEquals(0, live, "class loaders of undeployed applications still reachable, of " + REDEPLOYS);
        // Tomcat's own leak detection (the manager's "find leaks"), through its host.
        assertArrayEquals(new String[0], host.host().findReloadedContextMemoryLeaks(), "Tomcat finds leaks");
        assertEquals(Set.of(), left, "Sluice threads outlived their application");
        // Slack for the JVM's own lazily opened files; a leak costs at least one per deployment.
        assertTrue(descriptorsAfter - descriptorsBefore <= 2,
                "open descriptors grew from " + descriptorsBefore + " to " + descriptorsAfter + " over " + (REDEPLOYS - 1) + " redeploys");
        // An application's classes and Sluice's buffers weigh megabytes: one kept would show.
        assertTrue(heapAfter - heapBefore < 4 << 20, "heap after GC grew from " + heapBefore + " to " + heapAfter);
        assertTrue(load.answered() > REDEPLOYS, "the light load got " + load.answered() + " proxied answers");
        assertEquals(List.of(), load.unexpected(), "answers the light load did not expect");
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * A client sending a proxied request every 20 ms on a connection of its own, expecting the
     * echo (200), or 404 or 503 while no application or a stopping one is there, or a cut
     * connection as one stops; never a hang.
     */
    private static final class LightLoad {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger answered = new AtomicInteger();
        private final List<String> unexpected = new CopyOnWriteArrayList<>();
        private final Thread thread;

        LightLoad(int port) {
            thread = new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    try {
                        RawResponse response = RawClient.get(port, "/leak/echo/light-" + i);
                        if (response.status() == 200 && response.bodyText().contains("/echo/light-" + i + "\n")) {
                            answered.incrementAndGet();
                        } else if (response.status() != 404 && response.status() != 503) {
                            unexpected.add(response.toString());
                        }
                        Thread.sleep(20);
                    } catch (SocketTimeoutException e) {
                        unexpected.add("no answer: " + e);
                    } catch (IOException e) {
                        // cut as its application stopped: clean, and allowed
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "redeploy-light-load");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
        }

        int answered() {
            return answered.get();
        }

        List<String> unexpected() {
            return List.copyOf(unexpected);
        }
    }
}
