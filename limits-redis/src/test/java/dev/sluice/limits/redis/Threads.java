package dev.sluice.limits.redis;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/** This JVM's threads, picked by name, and those of a set that outlive a grace given them to end. */
final class Threads {
    private Threads() {
    }

    /** The threads alive now whose names pass this test. */
    static Set<Thread> named(Predicate<String> name) {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> !name.test(t.getName()));
        return threads;
    }

    /** Those of the threads still alive once they were given this long to end (looked at every 100 ms). */
    static Set<Thread> aliveAfter(Set<Thread> threads, Duration grace) throws InterruptedException {
        Set<Thread> left = new HashSet<>(threads);
        for (long i = 0; i < grace.toMillis() / 100 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left.removeIf(t -> !t.isAlive());
        }
        return left;
    }
}
