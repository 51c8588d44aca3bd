package dev.sluice.status;

import java.lang.management.ManagementFactory;
import java.util.Hashtable;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The filter's MBeans on the platform MBean server, where Tomcat users already look, named
 * {@code dev.sluice:type=<type>,context=<context path>[,name=<name>]}.
 */
public final class Jmx {
    private static final System.Logger LOG = System.getLogger(Jmx.class.getName());

    private Jmx() {
    }

    /**
     * @param contextPath the web application's context path ({@code /} for the root), keeping two
     *        applications apart
     * @param name the name key's value, or {@code null} for none
     */
    public static ObjectName name(String type, String contextPath, String name) {
        Hashtable<String, String> keys = new Hashtable<>();
        keys.put("type", type);
        keys.put("context", ObjectName.quote(contextPath.isEmpty() ? "/" : contextPath));
        if (name != null) {
            keys.put("name", ObjectName.quote(name));
        }
        try {
            return new ObjectName("dev.sluice", keys);
        } catch (JMException e) {
            throw new IllegalArgumentException("no MBean name for " + keys, e);
        }
    }

    /** Registers the MBean; a refusal (the name taken, say) costs the view only, so it is logged, not thrown. */
    public static void register(Object mbean, ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(mbean, name);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.WARNING, "no JMX view " + name, e);
        }
    }

    /** Removes the MBean, if it is there. */
    public static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.DEBUG, "MBean already gone: " + name, e);
        }
    }
}
