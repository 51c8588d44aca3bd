package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.proxy.SoakClient.Kind;
import dev.sluice.proxy.SoakClient.Outcome;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A short soak (see {@link Soak}; {@code bench/soak} runs the long one): under the whole mix of
 * requests and upstream faults, no answer is wrong and nothing grows.
 */
@Tag("own-jvm") // counts the JVM's threads and descriptors: no test may run beside it
class SoakTest {

    @Test
    void underEveryFaultAtOnceNoAnswerIsWrongAndNothingGrows() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Soak.SoakRun run = new Soak(new PrintStream(text, true, StandardCharsets.UTF_8)).run(Duration.ofSeconds(20), 12);
        String report = text.toString(StandardCharsets.UTF_8);

        assertEquals(0, run.wrongCount(), report);
        assertEquals(List.of(), run.leaks(), report);
        // The run exercised what it claims: every kind answered right, faults failed some requests.
        for (Kind kind : Kind.values()) {
            Outcome expected = kind.name().startsWith("ABORTED") ? Outcome.ABORTED : Outcome.OK;
            assertTrue(run.counts().get(kind).getOrDefault(expected, 0L) > 0, kind + " never " + expected + "\n" + report);
        }
        assertTrue(run.counts().get(Kind.FAULT).getOrDefault(Outcome.FAILED, 0L) > 0, report);
    }
}
