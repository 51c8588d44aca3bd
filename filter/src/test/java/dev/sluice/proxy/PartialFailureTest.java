package dev.sluice.proxy;

import static dev.sluice.proxy.SluiceDeployment.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.URL;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nodes that fail on some paths only, with the default passive health: traffic moves off the worse
 * node, but the upstream is never declared down, so the paths that work keep working.
 */
@ExtendWith(ArquillianExtension.class)
class PartialFailureTest {
    private static final String CONTEXT = "/partial";
    private static final int REQUESTS = 300;

    /** Both reset the connection on {@code /broken}, answer every other path. */
    private static TestOrigin one;
    private static TestOrigin two;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        one = TestOrigin.start("one", PartialFailureTest::failOnBrokenPath);
        two = TestOrigin.start("two", PartialFailureTest::failOnBrokenPath);
        return SluiceDeployment.war("partial",
                route("both-partial", "127.0.0.1:" + one.port() + ", 127.0.0.1:" + two.port()));
    }

    private static void failOnBrokenPath(TestOrigin.Exchange exchange) throws Exception {
        if (exchange.request().target().contains("/broken")) {
            exchange.response().closeAbruptly();
        } else {
            Handlers.echo().handle(exchange);
        }
    }

    @AfterAll
    static void stopOrigins() {
        Stream.of(one, two).forEach(TestOrigin::close);
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
            int status = RawClient.get(base.getPort(), CONTEXT + "/both-partial/" + (broken ? "broken" : "works") + "/" + i).status();
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
