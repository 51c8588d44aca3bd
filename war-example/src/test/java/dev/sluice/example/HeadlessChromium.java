package dev.sluice.example;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}, installed by {@code .ci/test-tools}) loading one
 * page as a user's browser would: the page's DOM after load, a screenshot of it, and what Chromium
 * logged, the page's console included (a Content-Security-Policy violation is reported there).
 * Each load has a fresh profile; Chromium and every process it started are stopped by their PIDs.
 */
final class HeadlessChromium {
    static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
    private static final long MOST_SECONDS = 90;

    /**
     * @param dom the document as serialised after the page loaded
     * @param log Chromium's log lines (its own, and the page's console as {@code :CONSOLE} lines)
     */
    record Load(String dom, List<String> log) {
        /** The page's console lines: a page without scripts has none unless the browser refused something. */
        List<String> console() {
            return log.stream().filter(line -> line.contains(":CONSOLE")).toList();
        }
    }

    private HeadlessChromium() {
    }

    /** Loads the page in a window of this size and writes its screenshot (PNG) to {@code screenshot}. */
    static Load load(URI page, int width, int height, Path screenshot, Path workDir) throws IOException, InterruptedException {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IOException(EXECUTABLE + " is missing: run bash .ci/test-tools (it installs Debian's chromium)");
        }
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        Path out = workDir.resolve("chromium.out");
        Path err = workDir.resolve("chromium.err");
        // Nothing a test does not need: no first-run or sync work, no component downloads, no D-Bus.
        ProcessBuilder builder = new ProcessBuilder(EXECUTABLE.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
                "--window-size=" + width + "," + height, "--screenshot=" + screenshot, "--dump-dom", page.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("DBUS_SESSION_BUS_ADDRESS", "disabled:");
        Process chromium = builder.start();
        Set<ProcessHandle> started = new HashSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MOST_SECONDS);
            // Chromium's helpers are noted while it runs: once it exits, a helper left behind has no parent to find it by.
            while (!chromium.waitFor(100, TimeUnit.MILLISECONDS)) {
                chromium.descendants().forEach(started::add);
                if (System.nanoTime() > deadline) {
                    throw new IOException("Chromium did not finish loading " + page + " within " + MOST_SECONDS + " s");
                }
            }
        } finally {
            chromium.descendants().forEach(started::add);
            started.forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly();
            chromium.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> log = new String(Files.readAllBytes(err), StandardCharsets.UTF_8).lines().toList();
        if (chromium.exitValue() != 0) {
            throw new IOException("Chromium exited with " + chromium.exitValue() + ":\n" + String.join("\n", log));
        }
        return new Load(Files.readString(out, StandardCharsets.UTF_8), log);
    }
}
