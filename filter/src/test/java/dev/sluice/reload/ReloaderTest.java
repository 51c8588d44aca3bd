package dev.sluice.reload;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Optional;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

class ReloaderTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    /**
     * Two applications of one context path: on two virtual hosts, or two versions side by side in
     * Tomcat's parallel deployment. Each has its own view, and stopping one leaves the other's.
     */
    @Test
    void twoApplicationsOfOneContextPathEachKeepTheirOwnMBeans() throws Exception {
        Map<String, String> config = Map.of(
                "sluice.route.a.path", "/a",
                "sluice.route.a.upstream", "a",
                "sluice.upstream.a.nodes", "127.0.0.1:9");
        SluiceSettings settings = SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
        ClassLoader loader = getClass().getClassLoader();
        Reloader first = new Reloader("/twin", loader, snapshot -> { });
        Reloader second = new Reloader("/twin", loader, snapshot -> { });
        ObjectName firstFilter = new ObjectName("dev.sluice:type=Filter,context=\"/twin\"");
        ObjectName firstUpstream = new ObjectName("dev.sluice:type=Upstream,context=\"/twin\",name=\"a\"");
        ObjectName secondFilter = new ObjectName("dev.sluice:type=Filter,context=\"/twin\",instance=2");
        ObjectName secondUpstream = new ObjectName("dev.sluice:type=Upstream,context=\"/twin\",instance=2,name=\"a\"");
        try {
            first.start(settings);
            second.start(settings);
            assertTrue(SERVER.isRegistered(secondFilter), "the second application has a view of its own");
            assertTrue(SERVER.isRegistered(secondUpstream));
            second.close();
            assertFalse(SERVER.isRegistered(secondFilter));
            assertTrue(SERVER.isRegistered(firstFilter), "stopping the second left the first's view");
            assertTrue(SERVER.isRegistered(firstUpstream));
        } finally {
            second.close();
            first.close();
        }
        assertFalse(SERVER.isRegistered(firstFilter));
        assertFalse(SERVER.isRegistered(firstUpstream));
    }
}
