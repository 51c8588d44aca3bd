package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** The JSON status view shows the figures of the traffic sent, to allowed addresses only. */
class StatusViewTest extends SluiceInTomcat {
    private static TestOrigin a;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        a = origin("a", Handlers.echo());
        return SluiceDeployment.war("status", """
                sluice.status.path=/_sluice/status
                sluice.status.allow=127.0.0.1/32
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:%d weight=3
                sluice.upstream.main.rate-limit=1
                sluice.upstream.main.rate-limit.burst=5
                """.formatted(a.port()));
    }

    @Test
    void figuresMatchTheTrafficSent() throws IOException {
        int refused = 0;
        for (int i = 0; i < 7; i++) {
            if (get("/api/x").status() == 429) {
                refused++;
            }
        }
        // The exchange's own bookkeeping (attempt ended, connection back in the pool) runs on the
        // reactor just after the client has its answer, so the view settles a moment later.
        long deadline = System.nanoTime() + 5_000_000_000L;
        RawResponse view;
        String json;
        do {
            view = get("/_sluice/status");
            json = new String(view.body(), UTF_8);
        } while (!(json.contains("\"inFlight\":0") && json.contains("\"leased\":0")) && System.nanoTime() < deadline);
        assertEquals(200, view.status());
        assertEquals("application/json", view.header("Content-Type"));
        assertTrue(json.contains("\"name\":\"main\",\"requests\":" + (7 - refused) + ",\"retries\":0,\"rateLimited\":" + refused
                + ",\"failures\":0,\"overloaded\":0"), json);
        assertTrue(refused >= 1, "a burst of 5 cannot admit 7 at once");
        assertTrue(json.contains("{\"address\":\"127.0.0.1:" + a.port() + "\",\"weight\":3,\"state\":\"up\",\"inFlight\":0,"
                + "\"successes\":" + (7 - refused) + ",\"failures\":0,\"health\":\"up\",\"ejectedMillisLeft\":0,\"ejections\":0,"
                + "\"failuresInARow\":0,\"recent\":{\"seconds\":60,\"attempts\":" + (7 - refused) + ",\"failures\":0,"
                + "\"errorRate\":0.0}}"), json);
        assertTrue(json.contains("\"pool\":{\"leased\":0"), json);
    }

    @Test
    void aBrowserGetsThePageUnderItsOwnPolicy() throws IOException {
        RawResponse page = get("/_sluice/status", "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assertEquals(200, page.status());
        assertEquals("text/html;charset=UTF-8", page.header("Content-Type"));
        assertTrue(page.header("Content-Security-Policy").startsWith("default-src 'none'; style-src 'sha256-"),
                page.header("Content-Security-Policy"));
        assertEquals("nosniff", page.header("X-Content-Type-Options"));
        assertEquals("no-store", page.header("Cache-Control"));
        assertEquals("Accept", page.header("Vary"));
        assertTrue(page.bodyText().contains("<tr class=\"node\" data-node=\"127.0.0.1:" + a.port() + "\" data-state=\"up\">"),
                page.bodyText());
    }

    @Test
    void aClientTakingAnythingGetsJson() throws IOException {
        RawResponse view = get("/_sluice/status", "Accept: */*");
        assertEquals("application/json", view.header("Content-Type"));
        assertEquals("Accept", view.header("Vary"));
        assertTrue(view.bodyText().startsWith("{\"upstreams\":[{\"name\":\"main\""), view.bodyText());
    }
}
