package dev.sluice.status;

import java.lang.management.ManagementFactory;
import java.util.Hashtable;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The filter's MBeans on the platform MBean server, where Tomcat users already look, named
 * {@code dev.sluice:type=<type>,context=<context path>[,instance=<n>][,name=<name>]}. The instance
 * key tells apart applications of the same context path (on two virtual hosts, or two versions
 * side by side in Tomcat's parallel deployment): the first has none, the next 2, and so on.
 */
public final class Jmx {
    private static final System.Logger LOG = System.getLogger(Jmx.class.getName());

    private Jmx() {
    }

    /** Most applications of one context path told apart; beyond them an application goes without a view. */
    private static final int MOST_INSTANCES = 100;

    /**
     * @param contextPath the web application's context path ({@code /} for the root), keeping two
     *        applications apart
     * @param instance which application of that context path, from 1 ({@link #registerFirstFree})
     * @param name the name key's value, or {@code null} for none
     */
    public static ObjectName name(String type, String contextPath, int instance, String name) {
        Hashtable<String, String> keys = new Hashtable<>();
        keys.put("type", type);
        keys.put("context", ObjectName.quote(contextPath.isEmpty() ? "/" : contextPath));
        if (instance > 1) {
            keys.put("instance", Integer.toString(instance));
        }
        if (name != null) {
            keys.put("name", ObjectName.quote(name));
        }
        try {
            return new ObjectName("dev.sluice", keys);
        } catch (JMException e) {
            throw new IllegalArgumentException("no MBean name for " + keys, e);
        }
    }

    /**
     * Registers an application's first MBean under the first instance number no other application
     * of its context path holds.
     *
     * @return the instance number, or 0 when none was free (logged)
     */
    public static int registerFirstFree(Object mbean, String type, String contextPath) {
        for (int instance = 1; instance <= MOST_INSTANCES; instance++) {
            try {
                ManagementFactory.getPlatformMBeanServer().registerMBean(mbean, name(type, contextPath, instance, null));
                return instance;
            } catch (InstanceAlreadyExistsException taken) {
                // another application of this context path: try the next
            } catch (JMException e) {
                LOG.log(System.Logger.Level.WARNING, "no JMX view for " + contextPath, e);
                return 0;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "no JMX view for " + contextPath + ": " + MOST_INSTANCES + " applications hold its names");
        return 0;
    }

    /**
     * Registers the MBean; a refusal (the name taken, say) costs the view only, so it is logged, not thrown.
     *
     * @return whether it was registered, and so is to be unregistered by its owner
     */
    public static boolean register(Object mbean, ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(mbean, name);
            return true;
        } catch (JMException e) {
            LOG.log(System.Logger.Level.WARNING, "no JMX view " + name, e);
            return false;
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
