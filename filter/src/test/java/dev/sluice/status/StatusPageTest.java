package dev.sluice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.health.NodeState;
import dev.sluice.upstream.RecentOutcomes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.Test;

class StatusPageTest {
    private static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");
    private static final NodeState UP = new NodeState(NodeState.Condition.UP, 0, 0, 0);

    private static UpstreamFigures.NodeFigures node(String address, NodeState state, RecentOutcomes.Window recent) {
        return new UpstreamFigures.NodeFigures(address, 1, "described", state, 0, 10, 2, recent);
    }

    private static UpstreamFigures upstream(String name, UpstreamFigures.NodeFigures... nodes) {
        return new UpstreamFigures(name, 12, 1, 3, 0, 0, null, 0, new PoolStats(1, 0, 2, 20), new UpstreamFigures.WebSockets(0, 0, 0, 0, 0, 0, 0, 0, 0), List.of(nodes));
    }

    private static String page(UpstreamFigures... upstreams) {
        return StatusPage.render(List.of(upstreams), NOW);
    }

    /** The row of the node of this address, as rendered. */
    private static String row(String page, String address) {
        Matcher row = Pattern.compile("<tr class=\"node\" data-node=\"" + Pattern.quote(address) + "\".*?</tr>").matcher(page);
        assertTrue(row.find(), page);
        return row.group();
    }

    @Test
    void configuredTextIsEscaped() {
        String page = page(upstream("<script>alert(1)</script>", node("h\"o'st&<b>:80", UP, new RecentOutcomes.Window(0, 0))));
        assertFalse(page.contains("<script>"), page);
        assertFalse(page.contains("<b>"), page);
        assertTrue(page.contains("<h2>&lt;script&gt;alert(1)&lt;/script&gt;</h2>"), page);
        assertTrue(page.contains("data-node=\"h&quot;o&#39;st&amp;&lt;b&gt;:80\""), page);
    }

    @Test
    void anEjectedNodeIsShownEjectedWithItsTimeLeft() {
        String page = page(upstream("main", node("a:80", new NodeState(NodeState.Condition.EJECTED, 7_200, 2, 0),
                new RecentOutcomes.Window(8, 4))));
        String row = row(page, "a:80");
        assertTrue(row.contains("data-state=\"ejected\""), row);
        assertTrue(row.contains("<span class=\"state ejected\">ejected</span> for 8 s more"), row);
        assertTrue(row.contains("50.0 % (4 of 8)"), row);
        assertTrue(row.contains("<td class=\"n\">2</td>"), "two ejections: " + row);
    }

    @Test
    void aNodeTheChecksHoldOutIsShownDown() {
        String row = row(page(upstream("main", node("a:80", new NodeState(NodeState.Condition.DOWN, 0, 0, 0),
                new RecentOutcomes.Window(0, 0)))), "a:80");
        assertTrue(row.contains("<span class=\"state down\">down</span> by active check"), row);
        assertTrue(row.contains("no attempts"), row);
    }

    @Test
    void aNodeInRotationIsShownUpWithItsFailuresInARow() {
        String row = row(page(upstream("main", node("a:80", new NodeState(NodeState.Condition.UP, 0, 0, 2),
                new RecentOutcomes.Window(5, 0)))), "a:80");
        assertTrue(row.contains("<span class=\"state up\">up</span>, 2 failed in a row"), row);
        assertTrue(row.contains("0.0 % (0 of 5)"), row);
    }

    @Test
    void everyUpstreamHasATableWithItsPoolAndRefusals() {
        String page = page(upstream("one", node("a:80", UP, new RecentOutcomes.Window(0, 0))),
                upstream("two", node("b:80", UP, new RecentOutcomes.Window(0, 0))));
        assertEquals(2, page.split("<table>", -1).length - 1, page);
        assertTrue(page.contains("Pool: 1 leased, 2 available, 0 waiting, at most 20."), page);
        assertTrue(page.contains("3 refused by rate limit (429)"), page);
    }

    @Test
    void theOnlyInlineStyleIsTheOneThePolicyAllowsByHash() throws Exception {
        String page = page(upstream("main", node("a:80", UP, new RecentOutcomes.Window(0, 0))));
        Matcher style = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL).matcher(page);
        assertTrue(style.find());
        String hash = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(style.group(1).getBytes(StandardCharsets.UTF_8)));
        assertTrue(StatusPage.CONTENT_SECURITY_POLICY.contains("style-src 'sha256-" + hash + "'"), StatusPage.CONTENT_SECURITY_POLICY);
        assertFalse(style.find(), "one style element");
        assertFalse(page.contains(" style="), "no style attribute, which the hash does not allow");
        assertFalse(page.contains("<script"), page);
    }

    @Test
    void thePolicyLetsNothingLoadAndNoOneFrameThePage() {
        assertTrue(StatusPage.CONTENT_SECURITY_POLICY.startsWith("default-src 'none'; "), StatusPage.CONTENT_SECURITY_POLICY);
        assertTrue(StatusPage.CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"), StatusPage.CONTENT_SECURITY_POLICY);
    }

    @Test
    void thePageRefreshesItself() {
        assertTrue(page().contains("<meta http-equiv=\"refresh\" content=\"" + StatusPage.REFRESH_SECONDS + "\">"));
    }
}
