package dev.sluice.proxy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.IntPredicate;

import javax.management.JMException;
import javax.management.ObjectName;

/** Reads an upstream's figures through the filter's JMX view, as an operator would. */
final class PoolProbe {
    private PoolProbe() {
    }

    static int leased(String context, String upstream) {
        return attribute(context, upstream, "LeasedConnections").intValue();
    }

    /** Any numeric attribute of the upstream's MBean. */
    static Number attribute(String context, String upstream, String attribute) {
        return (Number) value(context, upstream, attribute);
    }

    /** Each node's line of the upstream's MBean: address, weight, figures and health. */
    static String[] nodes(String context, String upstream) {
        return (String[]) value(context, upstream, "Nodes");
    }

    /** Whether the upstream has an MBean, as it has while it serves. */
    static boolean registered(String context, String upstream) {
        return ManagementFactory.getPlatformMBeanServer().isRegistered(name(context, upstream));
    }

    private static Object value(String context, String upstream, String attribute) {
        try {
            return ManagementFactory.getPlatformMBeanServer().getAttribute(name(context, upstream), attribute);
        } catch (JMException e) {
            throw new AssertionError("no JMX view of upstream " + upstream + " in " + context, e);
        }
    }

    private static ObjectName name(String context, String upstream) {
        try {
            return new ObjectName("dev.sluice:type=Upstream,context=" + ObjectName.quote(context)
                    + ",name=" + ObjectName.quote(upstream));
        } catch (JMException e) {
            throw new AssertionError(e);
        }
    }

    /** Polls the leased count until it satisfies the condition or the time is up; returns the last value. */
    static int awaitLeased(String context, String upstream, IntPredicate condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        int leased = leased(context, upstream);
        while (!condition.test(leased) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            leased = leased(context, upstream);
        }
        return leased;
    }
}
