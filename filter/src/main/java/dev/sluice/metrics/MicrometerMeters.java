package dev.sluice.metrics;

import dev.sluice.observe.Attempt;
import dev.sluice.observe.ExchangeObserver;
import dev.sluice.observe.ExchangeRecord;
import dev.sluice.upstream.Upstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of one filter in a Micrometer registry, one {@link UpstreamMeters} per running
 * upstream (by name, so counters go on across a reload that rebuilt the upstream). The only entry
 * to the classes that use Micrometer's types: loaded once {@link Meters#find} knows it is there.
 */
final class MicrometerMeters implements Meters, ExchangeObserver {
    private final MeterRegistry registry;
    private final Map<String, UpstreamMeters> upstreams = new ConcurrentHashMap<>();

    private MicrometerMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Declared to return the interface, so that a caller's verification never loads this class. */
    static Meters in(Object attribute) {
        if (attribute == null) {
            return new MicrometerMeters(Metrics.globalRegistry);
        }
        if (attribute instanceof MeterRegistry registry) {
            return new MicrometerMeters(registry);
        }
        throw new IllegalArgumentException("the servlet context attribute " + REGISTRY_ATTRIBUTE + " holds a "
                + attribute.getClass().getName() + ", not an io.micrometer.core.instrument.MeterRegistry"
                + " (or one of another class loader's Micrometer)");
    }

    @Override
    public ExchangeObserver observer() {
        return this;
    }

    @Override
    public synchronized void sync(List<Upstream> running, boolean on) {
        Set<String> names = new HashSet<>();
        if (on) {
            for (Upstream upstream : running) {
                names.add(upstream.name());
                UpstreamMeters meters = upstreams.get(upstream.name());
                if (meters == null) {
                    upstreams.put(upstream.name(), new UpstreamMeters(registry, upstream));
                } else {
                    meters.bind(upstream);
                }
            }
        }
        upstreams.entrySet().removeIf(entry -> {
            if (names.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().remove();
            return true;
        });
    }

    @Override
    public synchronized void close() {
        upstreams.values().forEach(UpstreamMeters::remove);
        upstreams.clear();
    }

    @Override
    public void attemptEnded(ExchangeRecord exchange, Attempt attempt) {
        UpstreamMeters meters = upstreams.get(exchange.upstream());
        if (meters != null) {
            meters.attemptEnded(exchange, attempt);
        }
    }

    @Override
    public void exchangeEnded(ExchangeRecord exchange) {
        UpstreamMeters meters = upstreams.get(exchange.upstream());
        if (meters != null) {
            meters.exchangeEnded(exchange);
        }
    }

    @Override
    public String toString() {
        return "Sluice's meters in " + registry;
    }
}
