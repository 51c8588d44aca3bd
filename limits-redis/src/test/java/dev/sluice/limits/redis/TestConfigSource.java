package dev.sluice.limits.redis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.spi.ConfigSource;

/** The configuration each test gives its filters, read live (found through ServiceLoader). */
public final class TestConfigSource implements ConfigSource {
    static final Map<String, String> VALUES = new ConcurrentHashMap<>();

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
