package dev.sluice.limits.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.regex.Pattern;

import org.apache.catalina.core.StandardContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    @RegisterExtension
    final Stage stage = new Stage();
    private RedeployedApplication host;

    @Test
    void redeployingAnApplicationCountingInRedisLeavesNoThreadThreadLocalOrClassLoader(@TempDir Path dir) throws Exception {
        RedisServer redis = stage.add(RedisServer.launch());
        TestConfigSource.set("sluice.upstream.main.rate-limit", "1000", "sluice.upstream.main.rate-limit.store", "redis",
                "sluice.redis.uri", redis.uri(), "sluice.redis.timeout", "2000");
        // Where Tomcat reports threads and thread-locals an application left when it stopped.
        RecordedLog loaderLog = stage.add(RecordedLog.of("org.apache.catalina.loader.WebappClassLoaderBase"));
        host = stage.add(new RedeployedApplication(dir));
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
        assertTrue(stage.origin().calls() >= 5 * REDEPLOYS, "every deployment forwarded: " + stage.origin().calls());
        assertTrue(redis.command("INFO", "commandstats").contains("cmdstat_evalsha"), "and decided in Redis");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return stage.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitShared() throws Exception {
        Await.until(Duration.ofSeconds(10), () -> get("/leak/_sluice/status").body().contains("\"state\":\"shared\""),
                () -> "the deployment counts in Redis: " + get("/leak/_sluice/status").body());
    }

    private static Set<Thread> watchedThreads() {
        return Threads.named(name -> THREADS.stream().anyMatch(name::contains));
    }

    /** Watched threads not among the earlier ones, given five seconds to end. */
    private static Set<Thread> newThreads(Set<Thread> earlier) throws InterruptedException {
        Set<Thread> left = watchedThreads();
        left.removeAll(earlier);
        return Threads.aliveAfter(left, Duration.ofSeconds(5));
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
