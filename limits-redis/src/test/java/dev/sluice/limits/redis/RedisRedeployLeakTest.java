package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Pattern;

import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redeploying an application whose limits are counted in Redis leaves nothing of it behind: no
 * Lettuce, Netty or Sluice thread, no thread-local of Netty's in the container's threads, and no
 * class loader. Lettuce and Netty are in the application's {@code WEB-INF/lib}, so a leak pins the
 * whole deployment.
 */
class RedisRedeployLeakTest {
    private static final int REDEPLOYS = 5;
    /** Threads that Sluice, Lettuce, Netty or Reactor start, by name. */
    private static final List<String> THREADS = List.of("sluice-", "lettuce-", "globalEventExecutor", "ObjectCleaner",
            "parallel-", "boundedElastic-", "single-");

    /** What Sluice's stack started or set: its threads and Netty's thread state. */
    private static final Pattern OURS = Pattern.compile("(?i)sluice|lettuce|netty|reactor|redis");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Where Tomcat reports threads and thread-locals an application left when it stopped. */
    private RecordedLog loaderLog;
    private RedisServer redis;
    private Origin origin;
    private RedeployedApplication host;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : new AutoCloseable[] {host, origin, redis}) {
            if (each != null) {
                each.close();
            }
        }
        if (loaderLog != null) {
            loaderLog.close();
        }
        TestConfigSource.VALUES.clear();
    }

    @Test
    void redeployingAnApplicationCountingInRedisLeavesNoThreadThreadLocalOrClassLoader(@TempDir Path dir) throws Exception {
        redis = RedisServer.launch();
        origin = new Origin();
        TestConfigSource.VALUES.putAll(Map.of("sluice.route.api.path", "/api", "sluice.route.api.upstream", "main",
                "sluice.upstream.main.nodes", origin.address(), "sluice.upstream.main.rate-limit", "1000",
                "sluice.upstream.main.rate-limit.store", "redis", "sluice.redis.uri", redis.uri(), "sluice.redis.timeout", "2000",
                "sluice.status.path", "/_sluice/status"));
        host = new RedeployedApplication(dir);
        loaderLog = RecordedLog.of("org.apache.catalina.loader.WebappClassLoaderBase");
        Set<Thread> earlier = watchedThreads();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        for (int i = 0; i < REDEPLOYS; i++) {
            StandardContext context = host.deploy("/leak");
            loaders.add(new WeakReference<>(context.getLoader().getClassLoader()));
            awaitShared();
            for (int call = 0; call < 5; call++) {
                assertEquals(200, get("/leak/api/x").statusCode(), "deployment " + i + " forwards");
            }
            host.undeploy(context);
        }

        assertEquals(0, liveAfterGc(loaders), "class loaders of undeployed applications still reachable, of " + REDEPLOYS);
        assertArrayEquals(new String[0], host.host().findReloadedContextMemoryLeaks(), "Tomcat finds leaks");
        // Tomcat's own background thread can be met mid-task as a context stops, holding its loader for a moment.
        assertEquals(List.of(), loaderLog.atLeast(Level.WARNING).stream().filter(OURS.asPredicate()).toList(),
                "Tomcat found threads or thread-locals the applications left");
        assertEquals(Set.of(), newThreads(earlier), "threads outlived their application");
        assertTrue(origin.calls() >= 5 * REDEPLOYS, "every deployment forwarded: " + origin.calls());
        assertTrue(redis.command("INFO", "commandstats").contains("cmdstat_evalsha"), "and decided in Redis");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitShared() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!get("/leak/_sluice/status").body().contains("\"state\":\"shared\"")) {
            assertTrue(System.nanoTime() < deadline, "the deployment counts in Redis: " + get("/leak/_sluice/status").body());
            Thread.sleep(50);
        }
    }

    private static Set<Thread> watchedThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> THREADS.stream().noneMatch(t.getName()::contains));
        return threads;
    }

    /** Watched threads not among the earlier ones, given five seconds to end. */
    private static Set<Thread> newThreads(Set<Thread> earlier) throws InterruptedException {
        Set<Thread> left = watchedThreads();
        left.removeAll(earlier);
        for (int i = 0; i < 50 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left.removeIf(t -> !t.isAlive());
        }
        return left;
    }

    /** How many of the loaders a few full collections leave, given five seconds for ending threads. */
    private static long liveAfterGc(List<WeakReference<ClassLoader>> loaders) throws InterruptedException {
        long live = loaders.size();
        for (int attempt = 0; attempt < 50 && live > 0; attempt++) {
            System.gc();
            live = loaders.stream().filter(r -> r.get() != null).count();
            if (live > 0) {
                Thread.sleep(100);
            }
        }
        return live;
    }
}
