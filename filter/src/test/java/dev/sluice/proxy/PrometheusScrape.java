package dev.sluice.proxy;

import dev.sluice.metrics.Meters;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The test application's side of the metrics: a Prometheus registry handed to Sluice through the
 * servlet context before the filter starts, scraped at {@code /app/metrics} (under the test
 * application's own servlet mapping, so the request is not proxied).
 */
public final class PrometheusScrape extends HttpServlet implements ServletContextListener {
    private static final long serialVersionUID = 1L;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        event.getServletContext().setAttribute(Meters.REGISTRY_ATTRIBUTE, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PrometheusMeterRegistry registry = (PrometheusMeterRegistry) getServletContext().getAttribute(Meters.REGISTRY_ATTRIBUTE);
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.getWriter().write(registry.scrape());
    }
}
