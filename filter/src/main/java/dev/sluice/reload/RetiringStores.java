package dev.sluice.reload;

import dev.sluice.limits.SharedCounting;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shared stores a reload replaced (another Redis, another bound), closed once the decisions already
 * asked of them have had their time: a request that read the old snapshot just before the swap
 * gets the old store's answer, not a cancellation and its fallback.
 */
final class RetiringStores {
    private final Supplier<ScheduledExecutorService> timer;
    private final String contextPath;
    private final ClassLoader loader;
    private final Set<SharedCounting> waiting = ConcurrentHashMap.newKeySet();
    private final List<Thread> closers = new CopyOnWriteArrayList<>();

    RetiringStores(Supplier<ScheduledExecutorService> timer, String contextPath, ClassLoader loader) {
        this.timer = timer;
        this.contextPath = contextPath;
        this.loader = loader;
    }

    /** Closes the store after its bound and a second more. */
    void retire(SharedCounting old) {
        old.retire();
        waiting.add(old);
        long graceMillis = old.settings().timeout().toMillis() + 1_000;
        timer.get().schedule(() -> {
            if (waiting.remove(old)) {
                closeAside(old);
            }
        }, graceMillis, TimeUnit.MILLISECONDS);
    }

    /** Closing waits for the client's threads to end: not on the filter's timer, which runs request deadlines. */
    private void closeAside(SharedCounting old) {
        closers.removeIf(t -> !t.isAlive());
        Thread closer = new Thread(old::close, "sluice-redis-close " + (contextPath.isEmpty() ? "/" : contextPath));
        closer.setDaemon(true);
        closer.setContextClassLoader(loader);
        closers.add(closer);
        closer.start();
    }

    /** Closes every store still waiting, and waits for those closing: the filter stops. */
    void closeAll() {
        for (SharedCounting store : waiting) {
            if (waiting.remove(store)) {
                store.close();
            }
        }
        for (Thread closer : closers) {
            try {
                closer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
