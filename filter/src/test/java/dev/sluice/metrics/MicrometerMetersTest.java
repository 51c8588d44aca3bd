package dev.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.health.HealthRegistry;
import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.observe.Observers;
import dev.sluice.upstream.Upstream;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters' lifetime follows the upstreams': none is left behind by a reload or a stopped filter. */
class MicrometerMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Upstream> started = new ArrayList<>();
    private final Meters meters = Meters.find(registry);

    @AfterEach
    void stop() {
        started.forEach(Upstream::close);
        timer.shutdownNow();
        registry.close();
    }

    @Test
    void anUpstreamsMetersAreRegisteredWithIt() {
        meters.sync(List.of(upstream("a")), true);
        assertTrue(registry.find("sluice.pool.connections").tag("upstream", "a").gauges().size() == 3);
        assertEquals(1, registry.get("sluice.node.state").tags("upstream", "a", "state", "up").gauge().value());
    }

    @Test
    void anUpstreamAReloadRemovedTakesItsMetersAlong() {
        Upstream a = upstream("a");
        Upstream b = upstream("b");
        meters.sync(List.of(a, b), true);
        count(a, "api-a");
        meters.sync(List.of(b), true);
        assertEquals(List.of(), metersOf("a"));
        assertTrue(!metersOf("b").isEmpty());
    }

    @Test
    void aStoppedFilterLeavesNoMeter() {
        Upstream a = upstream("a");
        meters.sync(List.of(a), true);
        count(a, "api");
        meters.close();
        assertEquals(List.of(), registry.getMeters());
    }

    @Test
    void turnedOffByConfigurationNoMeterStays() {
        Upstream a = upstream("a");
        meters.sync(List.of(a), true);
        meters.sync(List.of(a), false);
        assertEquals(List.of(), registry.getMeters());
    }

    @Test
    void anExchangeEndingAfterItsUpstreamWasRemovedRegistersNothing() {
        Upstream a = upstream("a");
        meters.sync(List.of(a), true);
        meters.sync(List.of(), true);
        count(a, "api");
        assertEquals(List.of(), registry.getMeters());
    }

    @Test
    void anExchangeIsCountedByItsOutcome() {
        Upstream a = upstream("a");
        meters.sync(List.of(a), true);
        count(a, "api");
        assertEquals(1, registry.get("sluice.requests").tags("route", "api", "outcome", "answered", "failure", "none").counter().count());
        assertEquals(1, registry.get("http.client.request.duration").tags("http.response.status_code", "200",
                "server.port", String.valueOf(a.settings().nodes().get(0).port())).summary().count());
        assertEquals(12, registry.get("sluice.response.body").tags("route", "api").counter().count());
    }

    @Test
    void aRebuiltUpstreamKeepsItsCountersAndRebindsItsGauges() {
        Upstream first = upstream("a");
        meters.sync(List.of(first), true);
        count(first, "api");
        Upstream rebuilt = upstream("a");
        meters.sync(List.of(rebuilt), true);
        count(rebuilt, "api");
        assertEquals(2, registry.get("sluice.requests").tags("outcome", "answered").counter().count());
        assertEquals(3, registry.find("sluice.pool.connections").tag("upstream", "a").gauges().size());
    }

    @Test
    void somethingElseInTheContextAttributeIsRefusedNamingIt() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Meters.find("a string"));
        assertTrue(refused.getMessage().contains(Meters.REGISTRY_ATTRIBUTE), refused.getMessage());
    }

    @Test
    void withoutARegistryInTheContextTheGlobalOneIsUsed() {
        assertNotNull(Meters.find(null).observer());
        assertNull(Meters.NONE.observer());
    }

    /** One GET answered 200 with 12 bytes by the upstream's first node, through the route. */
    private void count(Upstream upstream, String route) {
        ExchangeRecord record = new ExchangeRecord(Observers.of(meters.observer()), route, upstream.name(), "GET", "/x",
                "192.0.2.1", null);
        Attempt attempt = record.attemptStarted(0, upstream.settings().nodes().get(0).address());
        record.responseHead(attempt, 200);
        record.sent(200);
        record.bytesOut(12);
        record.attemptEnded(attempt, null);
        record.exchangeEnded();
    }

    private List<Meter> metersOf(String upstream) {
        return registry.getMeters().stream().filter(m -> upstream.equals(m.getId().getTag("upstream"))).toList();
    }

    private Upstream upstream(String name) {
        Map<String, String> config = Map.of(
                "sluice.route.r" + name + ".path", "/" + name,
                "sluice.route.r" + name + ".upstream", name,
                "sluice.upstream." + name + ".nodes", "127.0.0.1:1, 127.0.0.1:2");
        SluiceSettings settings = SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
        Upstream upstream = new Upstream(settings.upstreams().get(name), System::nanoTime, new HealthRegistry(System::nanoTime), timer);
        started.add(upstream);
        return upstream;
    }
}
