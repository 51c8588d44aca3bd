package dev.sluice.limits.redis;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.InternalThreadLocalMap;

import java.util.function.Supplier;

/**
 * Calls into Lettuce from threads that are not Netty's (the container's request threads, the
 * filter's timer, a JMX caller) leave none of Netty's thread state behind. On such a thread Netty
 * keeps its object pools and caches in a map held by a JDK thread-local; a container thread
 * outlives the application, so the map would hold the undeployed application's class loader (Tomcat
 * reports it when the application stops). A thread that had the map before the call (the
 * application's own Netty, with the plain JAR) keeps it untouched.
 */
final class NettyThreadLocals {
    private NettyThreadLocals() {
    }

    /** Runs the call and removes the thread's Netty state if the call created it. */
    static <T> T leaveNone(Supplier<T> call) {
        if (FastThreadLocalThread.currentThreadHasFastThreadLocal() || InternalThreadLocalMap.getIfSet() != null) {
            return call.get();
        }
        try {
            return call.get();
        } finally {
            FastThreadLocal.removeAll();
        }
    }
}
