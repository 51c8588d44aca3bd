package dev.sluice.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ChangesTest {

    private static SluiceSettings settings(String... more) {
        Map<String, String> map = new HashMap<>(Map.of(
                "sluice.route.orders.path", "/api/orders",
                "sluice.route.orders.upstream", "orders",
                "sluice.upstream.orders.nodes", "127.0.0.1:8081"));
        for (int i = 0; i < more.length; i += 2) {
            map.put(more[i], more[i + 1]);
        }
        return SettingsParser.parse(map.keySet(), key -> Optional.ofNullable(map.get(key)));
    }

    @Test
    void aChangeInsideAGroupOfSettingsIsNamedWithItsGroup() {
        Changes changes = new Changes(settings(), settings("sluice.upstream.orders.pool.max-waiting", "10",
                "sluice.upstream.orders.timeout", "10000"));
        assertEquals("upstream 'orders' changed (timeouts.response, pool.maxWaiting)", changes.details());
    }

    @Test
    void aChangeOfAWholeValueIsNamedByItsComponent() {
        Changes changes = new Changes(settings(), settings("sluice.upstream.orders.nodes", "127.0.0.1:8082"));
        assertEquals("upstream 'orders' changed (nodes)", changes.details());
    }
}
