package dev.sluice.proxy;

import dev.sluice.proxy.SoakClient.Kind;
import dev.sluice.proxy.SoakClient.Outcome;
import dev.sluice.proxy.SoakClient.Result;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's clients, each on a thread of its own sending requests one after another, and what
 * they found: requests by kind and outcome, the wrong answers, and the time of each right one.
 */
final class SoakLoad {
    private static final int WRONG_KEPT = 50;
    /** A right answer's time is kept with its kind in the bits above these. */
    private static final int KIND_SHIFT = 56;

    private final int port;
    private final String context;
    private final int clients;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Kind, EnumMap<Outcome, LongAdder>> counts = new EnumMap<>(Kind.class);
    private final List<String> wrong = new CopyOnWriteArrayList<>();
    private final AtomicLong wrongCount = new AtomicLong();
    private final List<long[]> latencies = new CopyOnWriteArrayList<>();
    private final List<SoakClient> connections = new ArrayList<>();
    private long started = System.nanoTime();

    SoakLoad(int port, String context, int clients) {
        this.port = port;
        this.context = context;
        this.clients = clients;
        for (Kind kind : Kind.values()) {
            EnumMap<Outcome, LongAdder> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome, new LongAdder());
            }
            counts.put(kind, byOutcome);
        }
        for (int i = 0; i < clients; i++) {
            connections.add(new SoakClient(port, context, 0x50A4L * (i + 1)));
        }
    }

    /** Forgets what was counted so far: the warm-up's requests do not count. */
    void reset() {
        counts.values().forEach(m -> m.values().forEach(LongAdder::reset));
        wrong.clear();
        wrongCount.set(0);
        latencies.clear();
        started = System.nanoTime();
    }

    /**
     * Runs every client for this long, then closes their connections.
     *
     * @param progress run every tenth of the time (at least 10 s apart), or null
     */
    void runFor(Duration length, Callable<?> progress) throws Exception {
        long deadline = System.nanoTime() + length.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (SoakClient client : connections) {
            Thread thread = new Thread(() -> drive(client, deadline), "soak-client-" + threads.size());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long every = Math.max(TimeUnit.SECONDS.toNanos(10), length.toNanos() / 10);
        for (long next = System.nanoTime() + every; progress != null && next < deadline - every / 2; next += every) {
            TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
            progress.call();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 60_000);
            if (thread.isAlive()) {
                wrongCount.incrementAndGet();
                wrong.add(thread.getName() + " still waiting a minute after the end: " + Arrays.toString(thread.getStackTrace()));
            }
        }
        connections.forEach(SoakClient::close);
    }

    private void drive(SoakClient client, long deadline) {
        long[] times = new long[1024];
        int n = 0;
        while (System.nanoTime() < deadline) {
            Result result = client.next(ids.incrementAndGet());
            counts.get(result.kind()).get(result.outcome()).increment();
            if (result.outcome() == Outcome.WRONG) {
                wrongCount.incrementAndGet();
                if (wrong.size() < WRONG_KEPT) {
                    wrong.add(result.wrong());
                }
            } else if (result.outcome() == Outcome.OK) {
                if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                }
                times[n++] = (long) result.kind().ordinal() << KIND_SHIFT | result.nanos();
            }
        }
        latencies.add(Arrays.copyOf(times, n));
    }

    Map<Kind, EnumMap<Outcome, Long>> counts() {
        Map<Kind, EnumMap<Outcome, Long>> copy = new EnumMap<>(Kind.class);
        counts.forEach((kind, outcomes) -> {
            EnumMap<Outcome, Long> values = new EnumMap<>(Outcome.class);
            outcomes.forEach((outcome, count) -> {
                if (count.sum() > 0) {
                    values.put(outcome, count.sum());
                }
            });
            copy.put(kind, values);
        });
        return copy;
    }

    List<String> wrong() {
        return List.copyOf(wrong);
    }

    long wrongCount() {
        return wrongCount.get();
    }

    /** Since the last reset, as minutes and seconds. */
    String elapsed() {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        return String.format("%d:%02d", seconds / 60, seconds % 60);
    }

    /** p50 and p99 of the right answers' times (request sent to body read): of small GETs, and of all kinds. */
    String percentiles() {
        return "small GETs " + percentiles(Kind.SMALL_GET) + "; all kinds " + percentiles(null);
    }

    private String percentiles(Kind only) {
        long[] all = latencies.stream().flatMapToLong(Arrays::stream)
                .filter(t -> only == null || t >>> KIND_SHIFT == only.ordinal())
                .map(t -> t & ((1L << KIND_SHIFT) - 1)).sorted().toArray();
        if (all.length == 0) {
            return "none";
        }
        return String.format("p50 %.1f ms, p99 %.1f ms (%d)", all[all.length / 2] / 1e6,
                all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6, all.length);
    }
}
