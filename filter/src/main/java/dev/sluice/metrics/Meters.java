package dev.sluice.metrics;

import dev.sluice.observe.ExchangeObserver;
import dev.sluice.upstream.Upstream;

import java.util.List;

/**
 * A filter's meters in the application's Micrometer registry, or nothing when Micrometer is not
 * on the class path. This type names no Micrometer class, so the filter loads and runs without
 * Micrometer; only {@link #find} touches the class that does, once it knows Micrometer is there.
 *
 * <p>The registry is the one the application puts in the servlet context attribute
 * {@value #REGISTRY_ATTRIBUTE} before the filter starts (from a {@code ServletContextListener},
 * say), else Micrometer's global registry.
 */
public interface Meters {
    /** The servlet context attribute where the application may put its {@code MeterRegistry}. */
    String REGISTRY_ATTRIBUTE = "dev.sluice.metrics.MeterRegistry";

    /** No meters: Micrometer is missing. */
    Meters NONE = new Meters() {
        @Override
        public ExchangeObserver observer() {
            return null;
        }

        @Override
        public void sync(List<Upstream> running, boolean on) {
        }

        @Override
        public void close() {
        }
    };

    /** What records the exchanges' meters, or {@code null} when there are none. */
    ExchangeObserver observer();

    /**
     * Makes the meters those of these upstreams: removes those of upstreams no longer running (a
     * reload dropped them), binds the gauges to the upstreams built anew, registers the new ones.
     *
     * @param on whether meters are wanted at all ({@code sluice.metrics}); when not, every one goes
     */
    void sync(List<Upstream> running, boolean on);

    /** Removes every meter of the filter from the registry, as the filter stops. */
    void close();

    /**
     * The filter's meters.
     *
     * @param attribute the servlet context's {@value #REGISTRY_ATTRIBUTE}, or {@code null}
     * @throws IllegalArgumentException when the attribute holds something other than a registry
     */
    static Meters find(Object attribute) {
        if (!micrometerPresent()) {
            if (attribute != null) {
                throw new IllegalArgumentException("the servlet context attribute " + REGISTRY_ATTRIBUTE
                        + " is set, but Micrometer (io.micrometer:micrometer-core) is not on Sluice's class path");
            }
            return NONE;
        }
        return MicrometerMeters.in(attribute);
    }

    private static boolean micrometerPresent() {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, Meters.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
