package dev.sluice.example;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The example's metrics, as an application would wire them: as the application starts, a
 * Prometheus registry goes into the servlet context attribute {@code dev.sluice.metrics.MeterRegistry},
 * where Sluice's filter finds it; {@code GET /app/metrics} answers the registry's scrape, Sluice's
 * meters included, in Prometheus' text format. The registry closes with the application.
 */
public class PrometheusMetrics extends HttpServlet implements ServletContextListener {
    /** Where Sluice looks for the application's registry (dev.sluice.metrics.Meters.REGISTRY_ATTRIBUTE). */
    static final String REGISTRY = "dev.sluice.metrics.MeterRegistry";
    private static final long serialVersionUID = 1L;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        event.getServletContext().setAttribute(REGISTRY, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Object registry = event.getServletContext().getAttribute(REGISTRY);
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            prometheus.close();
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PrometheusMeterRegistry registry = (PrometheusMeterRegistry) getServletContext().getAttribute(REGISTRY);
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(registry.scrape());
    }
}
