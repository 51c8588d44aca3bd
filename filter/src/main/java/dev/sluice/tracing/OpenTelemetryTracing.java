package dev.sluice.tracing;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.Set;

import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.net.URIAuthority;

/**
 * Tracing through the OpenTelemetry API the application has: spans from the global
 * {@code OpenTelemetry}'s tracer, trace context written by its propagators. Names and attributes
 * follow the OpenTelemetry HTTP client span conventions.
 */
final class OpenTelemetryTracing implements Tracing {
    static final OpenTelemetryTracing INSTANCE = new OpenTelemetryTracing();

    private static final String SCOPE = "dev.sluice.filter";
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    private static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    /** The methods the conventions know; any other is reported as {@code _OTHER}. */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH", "QUERY");
    private static final TextMapSetter<HttpRequest> SETTER = (request, name, value) -> request.setHeader(name, value);

    /** The global instance's tracer, looked up again only when the application sets another instance. */
    private volatile Bound bound;

    private record Bound(OpenTelemetry openTelemetry, Tracer tracer) {
    }

    private OpenTelemetryTracing() {
    }

    @Override
    public Parent current() {
        Context context = Context.current();
        return Span.fromContext(context).getSpanContext().isValid() ? new RequestParent(context) : null;
    }

    /** Asked only once a span is current, so the global instance is the application's by then. */
    private Bound bound() {
        OpenTelemetry global = GlobalOpenTelemetry.get();
        Bound known = bound;
        if (known == null || known.openTelemetry() != global) {
            known = new Bound(global, global.getTracer(SCOPE));
            bound = known;
        }
        return known;
    }

    private final class RequestParent implements Parent {
        private final Context context;

        RequestParent(Context context) {
            this.context = context;
        }

        @Override
        public ClientSpan attemptStarted(HttpRequest request) {
            Bound otel = bound();
            String method = request.getMethod();
            boolean known = KNOWN_METHODS.contains(method);
            URIAuthority node = request.getAuthority();
            Span span = otel.tracer().spanBuilder(known ? method : "HTTP")
                    .setParent(context)
                    .setSpanKind(SpanKind.CLIENT)
                    .setAttribute(METHOD, known ? method : "_OTHER")
                    .setAttribute(SERVER_ADDRESS, node.getHostName())
                    .setAttribute(SERVER_PORT, (long) node.getPort())
                    .setAttribute(URL_FULL, request.getScheme() + "://" + node + QueryRedaction.redact(request.getPath()))
                    .startSpan();
            if (!known) {
                span.setAttribute(METHOD_ORIGINAL, method);
            }
            TextMapPropagator propagator = otel.openTelemetry().getPropagators().getTextMapPropagator();
            // This hop's context replaces the client's, as an instrumented HTTP client's would: a
            // propagator that writes nothing for a field (an empty tracestate) must not leave
            // the client's value beside its own.
            for (String field : propagator.fields()) {
                request.removeHeaders(field);
            }
            propagator.inject(context.with(span), request, SETTER);
            return new AttemptSpan(span);
        }
    }

    private static final class AttemptSpan implements ClientSpan {
        private final Span span;

        AttemptSpan(Span span) {
            this.span = span;
        }

        @Override
        public void ended(int status, String failure) {
            if (status > 0) {
                span.setAttribute(STATUS_CODE, (long) status);
            }
            // A client span is in error for a 4xx too; the error's type is then the status.
            String error = failure != null ? failure : status >= 400 ? Integer.toString(status) : null;
            if (error != null) {
                span.setAttribute(ERROR_TYPE, error);
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }
}
