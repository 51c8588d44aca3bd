package dev.sluice.bench;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.health.HealthRegistry;
import dev.sluice.metrics.Meters;
import dev.sluice.observe.AccessLog;
import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.observe.Observers;
import dev.sluice.upstream.Upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What telling observers of one request costs on the request path: the outcome record with one
 * attempt filled as forwarding fills it, handed to nobody, to Sluice's meters in a Micrometer
 * registry, and to the access log turned off by its logger's level.
 */
public class ObserverBenchmark extends MicroBenchmark {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private Upstream upstream;
    private Meters meters;
    private Observers nobody;
    private Observers metered;
    private Observers loggedOff;

    @Setup
    public void setUp() {
        Map<String, String> config = Map.of("sluice.route.api.path", "/api", "sluice.route.api.upstream", "api",
                "sluice.upstream.api.nodes", "127.0.0.1:9101, 127.0.0.1:9102");
        SluiceSettings settings = SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
        upstream = new Upstream(settings.upstreams().get("api"), System::nanoTime, new HealthRegistry(System::nanoTime), timer);
        meters = Meters.find(registry);
        meters.sync(List.of(upstream), true);
        nobody = Observers.NONE;
        metered = Observers.of(meters.observer());
        Logger.getLogger(AccessLog.LOGGER).setLevel(Level.OFF);
        loggedOff = Observers.of(new AccessLog());
    }

    @TearDown
    public void tearDown() {
        meters.close();
        upstream.close();
        timer.shutdownNow();
    }

    @Benchmark
    public ExchangeRecord nobodyObserves() {
        return exchange(nobody);
    }

    @Benchmark
    public ExchangeRecord meters() {
        return exchange(metered);
    }

    @Benchmark
    public ExchangeRecord accessLogOff() {
        return exchange(loggedOff);
    }

    /** One GET answered 200 by the first node, recorded as forwarding records it. */
    private static ExchangeRecord exchange(Observers observers) {
        ExchangeRecord record = new ExchangeRecord(observers, "api", "api", "GET", "/orders/42", "203.0.113.7", "id-1");
        Attempt attempt = record.attemptStarted(0, "127.0.0.1:9101");
        record.responseHead(attempt, 200);
        record.sent(200);
        record.bytesOut(1024);
        record.attemptEnded(attempt, null);
        record.exchangeEnded();
        return record;
    }
}
