package dev.sluice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.health.NodeState;
import dev.sluice.upstream.RecentOutcomes;

import java.util.List;

import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.Test;

class StatusJsonTest {
    private static final UpstreamFigures.WebSockets TUNNELS = new UpstreamFigures.WebSockets(1, 9, 4, 3, 1, 2, 5, 6, 7);

    private static String render(NodeState state, RecentOutcomes.Window recent) {
        UpstreamFigures.NodeFigures node = new UpstreamFigures.NodeFigures("a\"b:80", 2, "described", state, 1, 7, 3, recent);
        return StatusJson.render(List.of(new UpstreamFigures("main", 10, 1, 2, 3, 4, null, 5, new PoolStats(6, 7, 8, 20), TUNNELS, List.of(node))));
    }

    @Test
    void anEjectedNodeHasItsFiguresAfterTheEarlierFields() {
        assertEquals("{\"upstreams\":[{\"name\":\"main\",\"requests\":10,\"retries\":1,\"rateLimited\":2,\"failures\":3,"
                + "\"overloaded\":4,\"pool\":{\"leased\":6,\"available\":8,\"pending\":7,\"max\":20},\"exchanges\":5,"
                + "\"websocket\":{\"open\":1,\"opened\":9,\"closedByClient\":4,\"closedByUpstream\":3,\"closedIdle\":1,\"refused\":2,\"heldToClient\":5,\"heldToUpstream\":6,\"mostHeld\":7},"
                + "\"nodes\":[{\"address\":\"a\\\"b:80\",\"weight\":2,\"state\":\"described\",\"inFlight\":1,\"successes\":7,"
                + "\"failures\":3,\"health\":\"ejected\",\"ejectedMillisLeft\":1500,\"ejections\":2,\"failuresInARow\":0,"
                + "\"recent\":{\"seconds\":60,\"attempts\":3,\"failures\":1,\"errorRate\":0.3333}}]}]}",
                render(new NodeState(NodeState.Condition.EJECTED, 1500, 2, 0), new RecentOutcomes.Window(3, 1)));
    }

    @Test
    void noRecentAttemptsHaveNoErrorRate() {
        String json = render(new NodeState(NodeState.Condition.DOWN, 0, 0, 0), new RecentOutcomes.Window(0, 0));
        assertTrue(json.contains("\"health\":\"down\",") && json.contains("\"attempts\":0,\"failures\":0,\"errorRate\":null}"), json);
    }

    @Test
    void limitsCountedInASharedStoreShowItsStateAndTheFallbacksFigures() {
        UpstreamFigures.SharedStore store = new UpstreamFigures.SharedStore("redis", "fallback", 2, 40);
        String json = StatusJson.render(List.of(new UpstreamFigures("main", 10, 1, 2, 3, 4, store, 5,
                new PoolStats(6, 7, 8, 20), TUNNELS, List.of())));
        assertTrue(json.contains("\"overloaded\":4,\"rateLimitStore\":{\"kind\":\"redis\",\"state\":\"fallback\","
                + "\"fallbackSwitches\":2,\"fallbackDecisions\":40},\"pool\":"), json);
    }
}
