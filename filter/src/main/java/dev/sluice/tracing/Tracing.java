package dev.sluice.tracing;

import org.apache.hc.core5.http.HttpRequest;

/**
 * Client spans for the attempts of requests that arrive under an OpenTelemetry span, or nothing
 * when the OpenTelemetry API is not on the class path. This type names no OpenTelemetry class, so
 * the filter loads and runs without it; only {@link #find} touches the class that does, once it
 * knows the API is there.
 */
public interface Tracing {
    /** No spans: tracing is off, or the OpenTelemetry API is missing. */
    Tracing OFF = () -> null;

    /**
     * Called once per request, on the container thread that runs the filter: the span current
     * there, or {@code null} when there is none (then nothing about the request is traced).
     */
    Parent current();

    /** The span a request arrived under, kept for its attempts, which start on other threads too. */
    interface Parent {
        /**
         * An attempt of the request starts: opens a client span, child of the parent, and puts
         * its trace context on the request for the node, in place of the one the client sent.
         *
         * @param request the request for the node, its method, scheme, authority and path set
         */
        ClientSpan attemptStarted(HttpRequest request);
    }

    /** One attempt's span. */
    interface ClientSpan {
        /**
         * The attempt is over: the node's response is whole, or it failed, or was given up.
         *
         * @param status the node's response status, or 0 when none came
         * @param failure the kind of failure ({@code io}, {@code timeout}, ...), or {@code null}
         */
        void ended(int status, String failure);
    }

    /**
     * The filter's tracing.
     *
     * @param on whether client spans are wanted ({@code sluice.tracing})
     */
    static Tracing find(boolean on) {
        return on && apiPresent() ? OpenTelemetryTracing.INSTANCE : OFF;
    }

    private static boolean apiPresent() {
        try {
            Class.forName("io.opentelemetry.api.GlobalOpenTelemetry", false, Tracing.class.getClassLoader());
            Class.forName("io.opentelemetry.context.Context", false, Tracing.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
