package dev.sluice.status;

import dev.sluice.config.NodeSettings;
import dev.sluice.limits.SharedCallLimits;
import dev.sluice.upstream.TunnelCounters;
import dev.sluice.upstream.Upstream;

import java.util.List;

import javax.management.ObjectName;

/** Publishes an upstream's live figures through JMX, where Tomcat users already look. */
public final class UpstreamStatus implements UpstreamStatusMBean {
    private final Upstream upstream;
    private final ObjectName name;
    private boolean registered;

    private UpstreamStatus(Upstream upstream, ObjectName name) {
        this.upstream = upstream;
        this.name = name;
    }

    /**
     * Registers the MBean of this upstream.
     *
     * @param contextPath the web application's context path, keeping two applications apart
     * @param instance which application of that context path ({@link Jmx#registerFirstFree})
     * @return the view, to {@link #unregister} when the upstream stops serving
     */
    public static UpstreamStatus register(String contextPath, int instance, Upstream upstream) {
        UpstreamStatus status = new UpstreamStatus(upstream, Jmx.name("Upstream", contextPath, instance, upstream.name()));
        status.registered = instance > 0 && Jmx.register(status, status.name);
        return status;
    }

    /** Removes the MBean, if this view registered it: never another application's of the same name. */
    public void unregister() {
        if (registered) {
            Jmx.unregister(name);
            registered = false;
        }
    }

    @Override
    public String getName() {
        return upstream.name();
    }

    @Override
    public String[] getNodes() {
        List<NodeSettings> nodes = upstream.settings().nodes();
        String[] states = new String[nodes.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = nodes.get(i).address() + " weight=" + nodes.get(i).weight() + " in-flight="
                    + upstream.counters().inFlight(i) + " successes=" + upstream.counters().successes(i) + " failures="
                    + upstream.counters().failures(i) + " " + upstream.health().describe(i);
        }
        return states;
    }

    @Override
    public int getLeasedConnections() {
        return upstream.client().poolStats().getLeased();
    }

    @Override
    public int getAvailableConnections() {
        return upstream.client().poolStats().getAvailable();
    }

    @Override
    public int getPendingConnections() {
        return upstream.client().poolStats().getPending();
    }

    @Override
    public int getMaxConnections() {
        return upstream.client().poolStats().getMax();
    }

    @Override
    public long getRequests() {
        return upstream.counters().requests();
    }

    @Override
    public long getRetries() {
        return upstream.counters().retries();
    }

    @Override
    public long getRateLimited() {
        return upstream.counters().rateLimited();
    }

    @Override
    public long getFailures() {
        return upstream.counters().failures();
    }

    @Override
    public long getOverloaded() {
        return upstream.counters().overloaded();
    }

    @Override
    public long getTrackedClients() {
        return upstream.limits().trackedClients();
    }

    @Override
    public String getRateLimitStore() {
        SharedCallLimits shared = upstream.sharedLimits();
        return shared == null ? "local" : "redis " + shared.counting().state();
    }

    @Override
    public long getRateLimitFallbackSwitches() {
        SharedCallLimits shared = upstream.sharedLimits();
        return shared == null ? 0 : shared.counting().switchesToFallback();
    }

    @Override
    public long getRateLimitFallbackDecisions() {
        SharedCallLimits shared = upstream.sharedLimits();
        return shared == null ? 0 : shared.counting().fallbackDecisions();
    }

    @Override
    public int getWebSocketsOpen() {
        return upstream.tunnels().open();
    }

    @Override
    public long getWebSocketsOpened() {
        return upstream.tunnels().opened();
    }

    @Override
    public String getWebSocketsClosed() {
        TunnelCounters tunnels = upstream.tunnels();
        return "client=" + tunnels.closedByClient() + " upstream=" + tunnels.closedByUpstream() + " idle=" + tunnels.closedIdle();
    }

    @Override
    public long getWebSocketsRefused() {
        return upstream.tunnels().refused();
    }

    @Override
    public long getWebSocketsHeldBytes() {
        return upstream.tunnels().heldToClient() + upstream.tunnels().heldToUpstream();
    }

    @Override
    public int getWebSocketsMostHeldBytes() {
        return upstream.tunnels().mostHeld();
    }
}
