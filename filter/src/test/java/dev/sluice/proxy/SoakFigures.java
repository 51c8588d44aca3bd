package dev.sluice.proxy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's figures at one moment, as the soak compares them: heap after a full collection,
 * resident memory, threads (all, and Sluice's), open descriptors, and per upstream the pool's
 * leased, pending and available connections and the per-client rate limit's tracked clients
 * (a Caffeine cache), read through the filter's JMX view as an operator would.
 */
record SoakFigures(long heapAfterGc, long rss, int threads, int sluiceThreads, long descriptors, List<Pool> pools) {

    record Pool(String upstream, int leased, int pending, int available, long trackedClients) {
        @Override
        public String toString() {
            return upstream + ": leased " + leased + ", pending " + pending + ", idle " + available
                    + ", tracked clients " + trackedClients;
        }
    }

    static SoakFigures now(String context, List<String> upstreams) throws IOException {
        for (int i = 0; i < 3; i++) {
            System.gc(); // a second and third collection finish what finalizable and soft objects held over
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        List<Pool> pools = new ArrayList<>();
        for (String upstream : upstreams) {
            pools.add(new Pool(upstream, PoolProbe.leased(context, upstream),
                    PoolProbe.attribute(context, upstream, "PendingConnections").intValue(),
                    PoolProbe.attribute(context, upstream, "AvailableConnections").intValue(),
                    PoolProbe.attribute(context, upstream, "TrackedClients").longValue()));
        }
        int sluice = Leftovers.sluiceThreads().size();
        return new SoakFigures(heap, residentBytes(), ManagementFactory.getThreadMXBean().getThreadCount(),
                sluice, Leftovers.openDescriptors(), pools);
    }

    /** Whether no connection is leased or waited for. */
    boolean poolsIdle() {
        return pools.stream().allMatch(p -> p.leased() == 0 && p.pending() == 0);
    }

    /** The growth from an earlier moment that is a leak, one line each; none when nothing grew beyond noise. */
    List<String> growthSince(SoakFigures start, long trackedClientsBound) {
        List<String> leaks = new ArrayList<>();
        // Slack for what a run leaves by chance: a container thread or two, an idle keep-alive
        // connection, a collection that ran at another point. A leak per request exceeds it at once.
        if (heapAfterGc > start.heapAfterGc + Math.max(16L << 20, start.heapAfterGc / 4)) {
            leaks.add("heap after GC grew from " + mib(start.heapAfterGc) + " to " + mib(heapAfterGc));
        }
        if (threads > start.threads + 16) {
            leaks.add("threads grew from " + start.threads + " to " + threads);
        }
        if (sluiceThreads != start.sluiceThreads) {
            leaks.add("Sluice's threads went from " + start.sluiceThreads + " to " + sluiceThreads);
        }
        if (descriptors > start.descriptors + 32) {
            leaks.add("open descriptors grew from " + start.descriptors + " to " + descriptors);
        }
        if (!poolsIdle()) {
            leaks.add("connections still leased or awaited with no request in flight: " + pools);
        }
        pools.stream().filter(p -> p.trackedClients() > trackedClientsBound)
                .forEach(p -> leaks.add(p.upstream() + " tracks " + p.trackedClients() + " clients, beyond its bound of " + trackedClientsBound));
        return leaks;
    }

    @Override
    public String toString() {
        return "heap after GC " + mib(heapAfterGc) + ", RSS " + mib(rss) + ", threads " + threads + " (Sluice's " + sluiceThreads
                + "), open descriptors " + descriptors + "; " + pools;
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    private static long residentBytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(-1);
    }
}
