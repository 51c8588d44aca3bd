package dev.sluice.house;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The filter's packages depend on each other one way only, so each can be read (and changed) with
 * only the packages below it in mind. Dependencies are read from the sources' imports and from
 * names written out in full.
 */
class PackageCyclesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.sluice\\.([a-z]+)\\.[A-Z]");

    @Test
    void mainPackagesFormNoCycle() {
        Map<String, Set<String>> uses = dependencies();
        assertTrue(uses.size() > 5, "packages found: " + uses.keySet());
        List<String> cycle = findCycle(uses);
        assertEquals(List.of(), cycle, "a package cycle");
    }

    @Test
    void theEngineDoesNotReachBackIntoTheEntryPoints() {
        Map<String, Set<String>> uses = dependencies();
        for (String low : List.of("http", "config", "container", "upstream", "forwarding")) {
            Set<String> used = uses.getOrDefault(low, Set.of());
            assertTrue(!used.contains("reload") && !used.contains("status") && !used.contains("(root)"),
                    low + " uses " + used);
        }
    }

    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve("dev/sluice"))) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(file -> {
                String from = packageOf(file);
                Set<String> to = uses.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(read(file));
                while (m.find()) {
                    if (!m.group(1).equals(from)) {
                        to.add(m.group(1));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return uses;
    }

    private static String packageOf(Path file) {
        Path relative = SOURCES.resolve("dev/sluice").relativize(file.getParent());
        return relative.toString().isEmpty() ? "(root)" : relative.toString().replace('/', '.');
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A path of packages that leads back to where it started, or an empty list. */
    private static List<String> findCycle(Map<String, Set<String>> uses) {
        Map<String, Integer> state = new TreeMap<>();
        for (String start : uses.keySet()) {
            List<String> path = new ArrayList<>();
            if (visit(start, uses, state, path)) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean visit(String node, Map<String, Set<String>> uses, Map<String, Integer> state, List<String> path) {
        int s = state.getOrDefault(node, 0);
        if (s == 2) {
            return false;
        }
        path.add(node);
        if (s == 1) {
            path.subList(0, path.indexOf(node)).clear();
            return true;
        }
        state.put(node, 1);
        for (String next : uses.getOrDefault(node, Set.of())) {
            if (visit(next, uses, state, path)) {
                return true;
            }
        }
        state.put(node, 2);
        path.remove(path.size() - 1);
        return false;
    }
}
