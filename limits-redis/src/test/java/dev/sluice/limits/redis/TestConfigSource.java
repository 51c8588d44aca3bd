package dev.sluice.limits.redis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The configuration each test gives its filters, read live (found through ServiceLoader), and
 * emptied after each test by {@link Started}.
 */
public final class TestConfigSource implements ConfigSource {
    static final Map<String, String> VALUES = new ConcurrentHashMap<>();

    /** The route the tests call: {@code /api} forwarded to the upstream {@code main} at the origin, and the status view. */
    static void forwardApiTo(Origin origin) {
        set("sluice.route.api.path", "/api", "sluice.route.api.upstream", "main", "sluice.upstream.main.nodes", origin.address(),
                "sluice.status.path", "/_sluice/status");
    }

    /** Sets these keys, each followed by its value. */
    static void set(String... keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            VALUES.put(keysAndValues[i], keysAndValues[i + 1]);
        }
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.copyOf(VALUES.keySet());
    }

    @Override
    public String getValue(String name) {
        return VALUES.get(name);
    }

    @Override
    public String getName() {
        return "sluice-limits-redis tests";
    }

    @Override
    public int getOrdinal() {
        return 500;
    }
}
