package dev.sluice.status;

import dev.sluice.health.NodeState;
import dev.sluice.upstream.RecentOutcomes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The status view as a page for a person: a table per upstream, each node's state in words and
 * colour. It loads nothing from anywhere (no script, font or image; one inline style allowed by
 * its hash in the {@link #CONTENT_SECURITY_POLICY} sent with it) and refreshes itself every
 * {@link #REFRESH_SECONDS} seconds by a {@code <meta http-equiv="refresh">}, which needs no script.
 * Every text that comes from configuration (upstream names, node addresses) is escaped.
 */
final class StatusPage {
    static final int REFRESH_SECONDS = 5;

    private static final String STYLE = """
            :root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--up:#1a7f37;--up-bg:#dafbe1;\
            --ejected:#7d4e00;--ejected-bg:#fff1c5;--down:#a40e26;--down-bg:#ffebe9}
            @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--up:#3fb950;\
            --up-bg:#12261e;--ejected:#d29922;--ejected-bg:#2e2410;--down:#f85149;--down-bg:#301517}}
            body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;\
            padding:1rem;max-width:72rem}
            h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .25rem}
            p{margin:.25rem 0}.muted{color:var(--muted)}
            .scroll{overflow-x:auto}
            table{border-collapse:collapse;width:100%;margin-top:.5rem}
            th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);white-space:nowrap}
            th{font-weight:600;color:var(--muted)}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .state{display:inline-block;padding:0 .5rem;border-radius:.75rem;font-weight:600}
            .state.up{color:var(--up);background:var(--up-bg)}
            .state.ejected{color:var(--ejected);background:var(--ejected-bg)}
            .state.down{color:var(--down);background:var(--down-bg)}
            .bad{color:var(--down);font-weight:600}
            """;

    /** Nothing may load; the one inline style goes by its hash; no framing, no base, no form. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(STYLE)
            + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private StatusPage() {
    }

    static String render(List<UpstreamFigures> upstreams, Instant now) {
        StringBuilder html = new StringBuilder(4096).append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta http-equiv="refresh" content="%d">
                <title>Sluice status</title>
                <style>%s</style></head>
                <body><h1>Sluice status</h1>
                <p class="muted">As of <time>%s</time>; refreshes every %d&nbsp;s. Error rates cover the last %d&nbsp;s.</p>
                """.formatted(REFRESH_SECONDS, STYLE, now.truncatedTo(ChronoUnit.SECONDS), REFRESH_SECONDS,
                RecentOutcomes.WINDOW_SECONDS));
        if (upstreams.isEmpty()) {
            html.append("<p>No upstream is configured.</p>\n");
        }
        for (UpstreamFigures upstream : upstreams) {
            upstream(html, upstream);
        }
        return html.append("</body></html>\n").toString();
    }

    private static void upstream(StringBuilder html, UpstreamFigures upstream) {
        html.append("<section class=\"upstream\" data-upstream=\"").append(escape(upstream.name())).append("\">\n<h2>")
                .append(escape(upstream.name())).append("</h2>\n<p>")
                .append(upstream.requests()).append(" requests, ")
                .append(upstream.exchanges()).append(" in flight, ")
                .append(upstream.retries()).append(" retried, ")
                .append(upstream.failures()).append(" failed, ")
                .append(figure(upstream.rateLimited(), "refused by rate limit (429)")).append(", ")
                .append(figure(upstream.overloaded(), "refused as overloaded (503)")).append(".</p>\n<p>Pool: ")
                .append(upstream.pool().getLeased()).append(" leased, ")
                .append(upstream.pool().getAvailable()).append(" available, ")
                .append(figure(upstream.pool().getPending(), "waiting")).append(", at most ")
                .append(upstream.pool().getMax()).append(".</p>\n")
                .append("<div class=\"scroll\"><table>\n<thead><tr><th>Node</th><th>State</th><th>In flight</th>"
                        + "<th>Errors, last " + RecentOutcomes.WINDOW_SECONDS + " s</th><th>Ejections</th>"
                        + "<th>Successes</th><th>Failures</th><th>Weight</th></tr></thead>\n<tbody>\n");
        for (UpstreamFigures.NodeFigures node : upstream.nodes()) {
            node(html, node);
        }
        html.append("</tbody></table></div>\n</section>\n");
    }

    private static void node(StringBuilder html, UpstreamFigures.NodeFigures node) {
        NodeState health = node.health();
        String condition = health.condition().label();
        html.append("<tr class=\"node\" data-node=\"").append(escape(node.address())).append("\" data-state=\"")
                .append(condition).append("\"><td>").append(escape(node.address()))
                .append("</td><td><span class=\"state ").append(condition).append("\">").append(condition)
                .append("</span>").append(stateDetail(health)).append("</td><td class=\"n\">").append(node.inFlight())
                .append("</td><td class=\"n\">").append(errorRate(node.recent()))
                .append("</td><td class=\"n\">").append(health.ejections())
                .append("</td><td class=\"n\">").append(node.successes())
                .append("</td><td class=\"n\">").append(node.failures())
                .append("</td><td class=\"n\">").append(node.weight()).append("</td></tr>\n");
    }

    private static String stateDetail(NodeState health) {
        return switch (health.condition()) {
            case EJECTED -> " for " + (health.millisLeft() + 999) / 1000 + " s more";
            case DOWN -> " by active check";
            case UP -> health.failuresInARow() == 0 ? "" : ", " + health.failuresInARow() + " failed in a row";
        };
    }

    private static String errorRate(RecentOutcomes.Window recent) {
        if (recent.attempts() == 0) {
            return "<span class=\"muted\">no attempts</span>";
        }
        String rate = String.format(Locale.ROOT, "%.1f %%", recent.errorRate() * 100) + " (" + recent.failures() + " of "
                + recent.attempts() + ")";
        return recent.failures() == 0 ? rate : "<span class=\"bad\">" + rate + "</span>";
    }

    /** A count, marked when it is not zero: refusals and waits are what a reader looks for. */
    private static String figure(long count, String what) {
        return count == 0 ? count + " " + what : "<span class=\"bad\">" + count + " " + what + "</span>";
    }

    /** Escapes text for HTML element content and quoted attribute values alike. */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
