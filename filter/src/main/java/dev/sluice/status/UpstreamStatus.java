package dev.sluice.status;

import dev.sluice.config.NodeSettings;
import dev.sluice.forwarding.Upstream;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Publishes an upstream's live figures through JMX, where Tomcat users already look. */
public final class UpstreamStatus implements UpstreamStatusMBean {
    private static final System.Logger LOG = System.getLogger(UpstreamStatus.class.getName());

    private final Upstream upstream;
    private final ObjectName name;

    private UpstreamStatus(Upstream upstream, ObjectName name) {
        this.upstream = upstream;
        this.name = name;
    }

    /**
     * Registers the MBeans of these upstreams.
     *
     * @param contextPath the web application's context path, keeping two applications apart
     * @return the registered views, to {@link #unregister} at shutdown
     */
    public static List<UpstreamStatus> register(String contextPath, List<Upstream> upstreams) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<UpstreamStatus> registered = new ArrayList<>();
        for (Upstream upstream : upstreams) {
            try {
                Hashtable<String, String> keys = new Hashtable<>();
                keys.put("type", "Upstream");
                keys.put("context", ObjectName.quote(contextPath.isEmpty() ? "/" : contextPath));
                keys.put("name", ObjectName.quote(upstream.name()));
                UpstreamStatus status = new UpstreamStatus(upstream, new ObjectName("dev.sluice", keys));
                server.registerMBean(status, status.name);
                registered.add(status);
            } catch (JMException e) {
                LOG.log(System.Logger.Level.WARNING, "upstream ''" + upstream.name() + "'' gets no JMX view", e);
            }
        }
        return registered;
    }

    /** Removes the MBean. */
    public void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.DEBUG, "MBean already gone: " + name, e);
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
}
