package dev.sluice.status;

import dev.sluice.upstream.RecentOutcomes;

import java.util.List;

/**
 * The read-only JSON view of every upstream: the JMX MBeans' figures, and those the page shows
 * (each node's state as figures, ejections, recent error rate, the upstream's requests in flight).
 */
final class StatusJson {
    private StatusJson() {
    }

    /** Renders the view of these figures. */
    static String render(List<UpstreamFigures> upstreams) {
        StringBuilder json = new StringBuilder("{\"upstreams\":[");
        for (int u = 0; u < upstreams.size(); u++) {
            UpstreamFigures upstream = upstreams.get(u);
            json.append(u == 0 ? "" : ",").append("{\"name\":").append(string(upstream.name()))
                    .append(",\"requests\":").append(upstream.requests())
                    .append(",\"retries\":").append(upstream.retries())
                    .append(",\"rateLimited\":").append(upstream.rateLimited())
                    .append(",\"failures\":").append(upstream.failures())
                    .append(",\"overloaded\":").append(upstream.overloaded());
            UpstreamFigures.SharedStore store = upstream.sharedStore();
            if (store != null) {
                json.append(",\"rateLimitStore\":{\"kind\":").append(string(store.kind()))
                        .append(",\"state\":").append(string(store.state()))
                        .append(",\"fallbackSwitches\":").append(store.fallbackSwitches())
                        .append(",\"fallbackDecisions\":").append(store.fallbackDecisions()).append('}');
            }
            json.append(",\"pool\":{\"leased\":").append(upstream.pool().getLeased())
                    .append(",\"available\":").append(upstream.pool().getAvailable())
                    .append(",\"pending\":").append(upstream.pool().getPending())
                    .append(",\"max\":").append(upstream.pool().getMax())
                    .append("},\"exchanges\":").append(upstream.exchanges());
            UpstreamFigures.WebSockets tunnels = upstream.webSockets();
            json.append(",\"websocket\":{\"open\":").append(tunnels.open())
                    .append(",\"opened\":").append(tunnels.opened())
                    .append(",\"closedByClient\":").append(tunnels.closedByClient())
                    .append(",\"closedByUpstream\":").append(tunnels.closedByUpstream())
                    .append(",\"closedIdle\":").append(tunnels.closedIdle())
                    .append(",\"refused\":").append(tunnels.refused())
                    .append(",\"heldToClient\":").append(tunnels.heldToClient())
                    .append(",\"heldToUpstream\":").append(tunnels.heldToUpstream())
                    .append(",\"mostHeld\":").append(tunnels.mostHeld()).append("},\"nodes\":[");
            List<UpstreamFigures.NodeFigures> nodes = upstream.nodes();
            for (int n = 0; n < nodes.size(); n++) {
                node(json.append(n == 0 ? "" : ","), nodes.get(n));
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }

    private static void node(StringBuilder json, UpstreamFigures.NodeFigures node) {
        json.append("{\"address\":").append(string(node.address()))
                .append(",\"weight\":").append(node.weight())
                .append(",\"state\":").append(string(node.state()))
                .append(",\"inFlight\":").append(node.inFlight())
                .append(",\"successes\":").append(node.successes())
                .append(",\"failures\":").append(node.failures())
                .append(",\"health\":").append(string(node.health().condition().label()))
                .append(",\"ejectedMillisLeft\":").append(node.health().millisLeft())
                .append(",\"ejections\":").append(node.health().ejections())
                .append(",\"failuresInARow\":").append(node.health().failuresInARow())
                .append(",\"recent\":{\"seconds\":").append(RecentOutcomes.WINDOW_SECONDS)
                .append(",\"attempts\":").append(node.recent().attempts())
                .append(",\"failures\":").append(node.recent().failures())
                .append(",\"errorRate\":").append(node.recent().attempts() == 0 ? "null"
                        : Double.toString(Math.round(node.recent().errorRate() * 10_000) / 10_000.0))
                .append("}}");
    }

    private static String string(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
