package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Nodes that fail on some paths only, with the default passive health: traffic moves off the worse
 * node, but the upstream is never declared down, so the paths that work keep working.
 */
class PartialFailureTest extends SluiceInTomcat {
    private static final String CONTEXT = "/partial";
    private static final int REQUESTS = 300;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        TestOrigin one = origin("one", PartialFailureTest::failOnBrokenPath);
        TestOrigin two = origin("two", PartialFailureTest::failOnBrokenPath);
        return SluiceDeployment.war("partial",
                route("both-partial", "127.0.0.1:" + one.port() + ", 127.0.0.1:" + two.port()));
    }

    /** Both nodes reset the connection on {@code /broken} and answer every other path. */
    private static void failOnBrokenPath(TestOrigin.Exchange exchange) throws Exception {
        if (exchange.request().target().contains("/broken")) {
            exchange.response().closeAbruptly();
        } else {
            Handlers.echo().handle(exchange);
        }
    }

    /**
     * A third of the requests go to the broken path. They are GETs, so each is retried on the other
     * node: a broken-path request is a failure of both nodes, the hardest case for the working paths.
     */
    @Test
    void nodesFailingSomePathsKeepServingTheOthers() throws Exception {
        Random paths = new Random(29);
        int ok = 0;
        int mostOut = 0;
        for (int i = 0; i < REQUESTS; i++) {
            boolean broken = paths.nextInt(3) == 0;
            int status = get("/both-partial/" + (broken ? "broken" : "works") + "/" + i).status();
            if (!broken) {
                assertEquals(200, status, "request " + i + " on a working path; nodes: " + nodes());
                ok++;
            }
            mostOut = Math.max(mostOut, (int) Arrays.stream(PoolProbe.nodes(CONTEXT, "both-partial"))
                    .filter(node -> node.contains("ejected")).count());
        }
        assertEquals(1, mostOut, "the worse node went out, never both");
        assertTrue(ok > REQUESTS / 2, ok + " of " + REQUESTS + " answered 200");
    }

    private static String nodes() {
        return Arrays.toString(PoolProbe.nodes(CONTEXT, "both-partial"));
    }
}
