package dev.sluice.proxy;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.Collections;

/**
 * Placed before Sluice, does what an application's server instrumentation does, for requests
 * that carry {@value #HEADER}: opens a server span, child of the client's trace context, makes it
 * current while the rest of the chain runs.
 */
public class ServerSpanFilter implements Filter {
    /** The request header that asks for a server span. */
    public static final String HEADER = "X-Test-Server-Span";
    /** The scope the server spans are made in, to tell them from Sluice's. */
    public static final String SCOPE = "test-server";

    private static final TextMapGetter<HttpServletRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest carrier) {
            return Collections.list(carrier.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest carrier, String key) {
            return carrier == null ? null : carrier.getHeader(key);
        }
    };

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        if (http.getHeader(HEADER) == null) {
            chain.doFilter(request, response);
            return;
        }
        Context incoming = GlobalOpenTelemetry.getPropagators().getTextMapPropagator().extract(Context.root(), http, HEADERS);
        Span server = GlobalOpenTelemetry.getTracer(SCOPE).spanBuilder(http.getMethod()).setParent(incoming)
                .setSpanKind(SpanKind.SERVER).startSpan();
        try (Scope ignored = server.makeCurrent()) {
            chain.doFilter(request, response);
        } finally {
            // Ended as doFilter returns, before Sluice's attempts end: the tests read its ids only.
            server.end();
        }
    }
}
