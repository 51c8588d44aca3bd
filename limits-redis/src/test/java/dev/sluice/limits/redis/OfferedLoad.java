package dev.sluice.limits.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests at a fixed rate, spread in turn over the instances, as a load balancer would send one
 * client's calls; the answers are counted by status.
 */
final class OfferedLoad {
    private final HttpClient client;
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Throwable firstFailure;

    OfferedLoad(HttpClient client) {
        this.client = client;
    }

    /**
     * Offers {@code perSecond} requests a second over the targets for this long, then waits for
     * every answer.
     */
    OfferedLoad run(List<URI> targets, int perSecond, Duration length) throws InterruptedException {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger sent = new AtomicInteger();
        long total = length.toMillis() * perSecond / 1_000;
        long periodMicros = 1_000_000L / perSecond;
        ticker.scheduleAtFixedRate(() -> {
            int n = sent.getAndIncrement();
            if (n >= total) {
                return;
            }

            HttpRequest request = HttpRequest.newBuilder(targets.get(n % targets.size())).timeout(Duration.ofSeconds(30)).build();
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
                if (failure != null) {
                    if (failures.getAndIncrement() == 0) {
                        firstFailure = failure;
                    }
                } else {
                    statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
        Thread.sleep(length.toMillis());
        ticker.shutdown();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null).join();
        return this;
    }

    int count(int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    /** Answers other than 200 and 429, and requests that got no answer. */
    int unexpected() {
        int other = failures.get();
        for (Map.Entry<Integer, AtomicInteger> entry : statuses.entrySet()) {
            if (entry.getKey() != 200 && entry.getKey() != 429) {
                other += entry.getValue().get();
            }
        }
        return other;
    }

    @Override
    public String toString() {
        return statuses + (failures.get() > 0 ? " and " + failures + " without an answer, the first: " + firstFailure : "");
    }
}
