import com.sun.net.httpserver.HttpServer;

import dev.sluice.config.SettingsParser;
import dev.sluice.reload.Reloader;
import dev.sluice.reload.Snapshot;
import dev.sluice.upstream.Node;
import dev.sluice.upstream.Upstream;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;

/**
 * Threads and heap of one filter's upstreams, idle and then each with one request answered (its
 * connection pooled), in a plain JVM: N upstreams of five nodes (the first the local origin, the
 * others unreachable and never picked before the first fails) and ten routes each.
 *
 * <pre>java -cp FILTER_CLASSES:DEPENDENCIES bench/GatewayThreads.java N</pre>
 * prints: N, Sluice's threads and heap after a full GC idle, then the same once every upstream
 * answered one request (sent a hundred upstreams at a time), its connection still pooled.
 */
public class GatewayThreads {
    public static void main(String[] args) throws Exception {
        int upstreams = Integer.parseInt(args[0]);
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        origin.setExecutor(Executors.newFixedThreadPool(8));
        origin.createContext("/", exchange -> {
            byte[] ok = "ok".getBytes();
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        origin.start();
        Map<String, String> config = new HashMap<>();
        for (int u = 0; u < upstreams; u++) {
            config.put("sluice.upstream.u" + u + ".nodes", "127.0.0.1:" + origin.getAddress().getPort()
                    + " weight=1000, 10.0." + (u / 250) + "." + (u % 250 + 1) + ":8080 weight=0, 10.1.0.1:8080 weight=0,"
                    + " 10.1.0.2:8080 weight=0, 10.1.0.3:8080 weight=0");
            for (int r = 0; r < 10; r++) {
                config.put("sluice.route.r" + u + "-" + r + ".path", "/u" + u + "/r" + r);
                config.put("sluice.route.r" + u + "-" + r + ".upstream", "u" + u);
            }
        }
        long baseline = heapAfterGc();
        AtomicReference<Snapshot> published = new AtomicReference<>();
        Reloader reloader = new Reloader("/gateway", GatewayThreads.class.getClassLoader(), published::set);
        reloader.start(SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key))));
        Thread.sleep(2_000);
        report("idle", upstreams, baseline);

        // A hundred at a time: the JDK's origin accepts a thousand connections at once too slowly
        // for the 5 s connect timeout on a loaded machine.
        List<Upstream> all = published.get().upstreams();
        for (int from = 0; from < all.size(); from += 100) {
            List<Upstream> batch = all.subList(from, Math.min(all.size(), from + 100));
            Tally tally = new Tally(batch.size());
            for (Upstream upstream : batch) {
                Node node = upstream.pick("127.0.0.1", null);
                upstream.client().execute(node, new BasicRequestProducer(new BasicHttpRequest("GET", node.target(), "/x"), null),
                        new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()), tally, true);
            }
            if (!tally.left.await(60, TimeUnit.SECONDS) || tally.problem.get() != null) {
                throw new IllegalStateException("not every upstream answered 200: " + tally.problem.get());
            }
        }
        report("each answered one", upstreams, baseline);
        reloader.close();
        origin.stop(0);
        System.exit(0);
    }

    /** Counts answers down, keeping the last thing that was not a 200. */
    private static final class Tally implements FutureCallback<Message<HttpResponse, Void>> {
        final CountDownLatch left;
        final AtomicReference<Object> problem = new AtomicReference<>();

        Tally(int expected) {
            left = new CountDownLatch(expected);
        }

        @Override
        public void completed(Message<HttpResponse, Void> response) {
            if (response.getHead().getCode() != 200) {
                problem.set("status " + response.getHead().getCode());
            }
            left.countDown();
        }

        @Override
        public void failed(Exception cause) {
            problem.set(cause);
            left.countDown();
        }

        @Override
        public void cancelled() {
            problem.set("cancelled");
            left.countDown();
        }
    }

    private static void report(String state, int upstreams, long baseline) throws InterruptedException {
        long sluiceThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sluice-")).count();
        long heap = heapAfterGc() - baseline;
        System.out.printf("%d upstreams, %s: %d Sluice threads (%d in the JVM), heap %.1f MiB, %.1f KiB per upstream%n",
                upstreams, state, sluiceThreads, ManagementFactory.getThreadMXBean().getThreadCount(), heap / 1048576.0,
                heap / 1024.0 / upstreams);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
