package dev.sluice.status;

import dev.sluice.upstream.Upstream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Answers the status path: the page to a browser (one that prefers {@code text/html}), the JSON
 * view to everyone else. Either is written at once on the request thread; neither is cached.
 */
public final class StatusView {
    private StatusView() {
    }

    /** Writes the view of these upstreams, in the form the request asks for. */
    public static void answer(HttpServletRequest request, HttpServletResponse response, List<Upstream> upstreams)
            throws IOException {
        List<UpstreamFigures> figures = UpstreamFigures.of(upstreams);
        byte[] body;
        if (AcceptHeader.prefersHtml(request.getHeader("Accept"))) {
            body = StatusPage.render(figures, Instant.now()).getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/html;charset=UTF-8");
            response.setHeader("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("Referrer-Policy", "no-referrer");
        } else {
            body = StatusJson.render(figures).getBytes(StandardCharsets.UTF_8);
            response.setContentType("application/json");
        }
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Vary", "Accept");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
