package dev.sluice.status;

import dev.sluice.config.NodeSettings;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.TunnelCounters;
import dev.sluice.upstream.UpstreamCounters;

import java.util.List;

import org.apache.hc.core5.pool.PoolStats;

/** The read-only JSON view of every upstream: the same figures as the JMX MBeans. */
public final class StatusJson {
    private StatusJson() {
    }

    /** Renders the view now. */
    public static String render(List<Upstream> upstreams) {
        StringBuilder json = new StringBuilder("{\"upstreams\":[");
        for (int u = 0; u < upstreams.size(); u++) {
            Upstream upstream = upstreams.get(u);
            UpstreamCounters counters = upstream.counters();
            PoolStats pool = upstream.client().poolStats();
            json.append(u == 0 ? "" : ",").append("{\"name\":").append(string(upstream.name()))
                    .append(",\"requests\":").append(counters.requests())
                    .append(",\"retries\":").append(counters.retries())
                    .append(",\"rateLimited\":").append(counters.rateLimited())
                    .append(",\"failures\":").append(counters.failures())
                    .append(",\"overloaded\":").append(counters.overloaded())
                    .append(",\"pool\":{\"leased\":").append(pool.getLeased())
                    .append(",\"available\":").append(pool.getAvailable())
                    .append(",\"pending\":").append(pool.getPending())
                    .append(",\"max\":").append(pool.getMax()).append('}');
            TunnelCounters tunnels = upstream.tunnels();
            json.append(",\"websocket\":{\"open\":").append(tunnels.open())
                    .append(",\"opened\":").append(tunnels.opened())
                    .append(",\"closedByClient\":").append(tunnels.closedByClient())
                    .append(",\"closedByUpstream\":").append(tunnels.closedByUpstream())
                    .append(",\"closedIdle\":").append(tunnels.closedIdle())
                    .append(",\"refused\":").append(tunnels.refused()).append("},\"nodes\":[");
            List<NodeSettings> nodes = upstream.settings().nodes();
            for (int n = 0; n < nodes.size(); n++) {
                json.append(n == 0 ? "" : ",").append("{\"address\":").append(string(nodes.get(n).address()))
                        .append(",\"weight\":").append(nodes.get(n).weight())
                        .append(",\"state\":").append(string(upstream.health().describe(n)))
                        .append(",\"inFlight\":").append(counters.inFlight(n))
                        .append(",\"successes\":").append(counters.successes(n))
                        .append(",\"failures\":").append(counters.failures(n)).append('}');
            }
            json.append("]}");
        }
        return json.append("]}").toString();
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
