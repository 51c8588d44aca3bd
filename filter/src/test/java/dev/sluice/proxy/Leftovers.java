package dev.sluice.proxy;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** What a stopped application or a long run may leave behind in this JVM, counted. */
final class Leftovers {
    private Leftovers() {
    }

    /** Threads Sluice names, of any application in this JVM. */
    static Set<Thread> sluiceThreads() {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> !t.getName().startsWith("sluice-"));
        return threads;
    }

    /** Sluice's threads not among the earlier ones, given up to five seconds to end. */
    static Set<Thread> newSluiceThreads(Set<Thread> earlier) throws InterruptedException {
        Set<Thread> left = sluiceThreads();
        left.removeAll(earlier);
        for (int i = 0; i < 50 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left.removeIf(t -> !t.isAlive());
        }
        return left;
    }

    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** How many of the objects a few full collections leave, given a few seconds to finish threads that are ending. */
    static long liveAfterGc(List<? extends WeakReference<?>> references) throws InterruptedException {
        long live = references.size();
        for (int attempt = 0; attempt < 50 && live > 0; attempt++) {
            System.gc();
            live = references.stream().filter(r -> r.get() != null).count();
            if (live > 0) {
                Thread.sleep(100);
            }
        }
        return live;
    }
}
