package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;
import dev.sluice.testing.WebSocketOrigin;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With the OpenTelemetry SDK as the application's global instance and a server span current as
 * Sluice runs (opened by {@link ServerSpanFilter} before it), each attempt upstream is a client
 * span of that span, and the node receives the client span's trace context. Without a current
 * span nothing is made and the client's trace context passes unchanged.
 */
class TracingTest extends SluiceInTomcat {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
    private static final String TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    private static final String TRACED = ServerSpanFilter.HEADER + ": yes";
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static OpenTelemetrySdk sdk;
    private static TestOrigin origin;
    private static TestOrigin resetting;
    private static WebSocketOrigin webSockets;

    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        GlobalOpenTelemetry.resetForTest();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .buildAndRegisterGlobal();
        origin = origin("origin", ANSWERS);
        // Resets every connection before answering: an idempotent GET moves on to the next node.
        resetting = origin("resetting", exchange -> exchange.response().closeAbruptly());
        String node = "127.0.0.1:" + origin.port();
        webSockets = WebSocketOrigin.start();
        return SluiceDeployment.warWithFiltersFirst("tracing", SluiceDeployment.route("api", node)
                + SluiceDeployment.route("ws", "127.0.0.1:" + webSockets.port())
                + SluiceDeployment.route("reset-first", "127.0.0.1:" + resetting.port() + " weight=1000, " + node + " weight=1",
                        "health.max-fails=0"), ServerSpanFilter.class);
    }

    @AfterAll
    static void closeSdk() throws Exception {
        webSockets.close();
        sdk.close();
        sdk = null;
        SPANS.reset();
        GlobalOpenTelemetry.resetForTest();
    }

    @BeforeEach
    void forgetSpans() {
        SPANS.reset();
    }

    @Test
    void anAttemptIsAClientSpanOfTheCurrentSpan() throws Exception {
        assertEquals(200, get("/api/orders?id=7", TRACED).status());
        SpanData client = clientSpans(1).get(0);
        SpanData server = serverSpan();
        assertEquals(SpanKind.CLIENT, client.getKind());
        assertEquals("GET", client.getName());
        assertEquals(server.getTraceId(), client.getTraceId());
        assertEquals(server.getSpanId(), client.getParentSpanId());
        assertEquals("GET", client.getAttributes().get(AttributeKey.stringKey("http.request.method")));
        assertEquals("127.0.0.1", client.getAttributes().get(AttributeKey.stringKey("server.address")));
        assertEquals((long) origin.port(), client.getAttributes().get(AttributeKey.longKey("server.port")));
        assertEquals("http://127.0.0.1:" + origin.port() + inApplication("/api/orders?id=7"),
                client.getAttributes().get(AttributeKey.stringKey("url.full")));
        assertEquals(200L, client.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertNull(client.getAttributes().get(AttributeKey.stringKey("error.type")));
        assertEquals(StatusCode.UNSET, client.getStatus().getStatusCode());
    }

    @Test
    void aCredentialInTheQueryIsRedactedInTheSpanButSentToTheNode() throws Exception {
        assertEquals(200, get("/api/files?name=a&X-Amz-Signature=0123abcd", TRACED).status());
        assertEquals("http://127.0.0.1:" + origin.port() + inApplication("/api/files?name=a&X-Amz-Signature=REDACTED"),
                clientSpans(1).get(0).getAttributes().get(AttributeKey.stringKey("url.full")));
        List<RecordedRequest> received = origin.requests();
        assertEquals(inApplication("/api/files?name=a&X-Amz-Signature=0123abcd"), received.get(received.size() - 1).target());
    }

    @Test
    void theNodeReceivesTheClientSpansTraceContextInPlaceOfTheClients() throws Exception {
        get("/api/x", TRACED, "traceparent: " + TRACEPARENT, "tracestate: " + TRACESTATE);
        SpanData client = clientSpans(1).get(0);
        assertEquals(TRACE_ID, client.getTraceId(), "the server span continues the client's trace");
        RecordedRequest seen = onlyRequestSeen(origin);
        assertEquals(traceparent(client), seen.header("traceparent"));
        assertEquals(TRACESTATE, seen.header("tracestate"));
        assertEquals(1, seen.headers("traceparent").size(), "one traceparent: " + seen.headers());
    }

    @Test
    void anErrorStatusFromTheNodeMarksTheClientSpan() throws Exception {
        ANSWERS.on("broken", exchange -> exchange.response().status(500, "Internal Server Error")
                .send("no".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(500, get("/api/broken", TRACED).status());
        SpanData client = clientSpans(1).get(0);
        assertEquals(500L, client.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertEquals("500", client.getAttributes().get(AttributeKey.stringKey("error.type")));
        assertEquals(StatusCode.ERROR, client.getStatus().getStatusCode());
    }

    @Test
    void aRetriedRequestHasAClientSpanForEachAttempt() throws Exception {
        assertEquals(200, get("/reset-first/x", TRACED).status());
        List<SpanData> attempts = clientSpans(2);
        SpanData server = serverSpan();
        SpanData failed = attempts.get(0);
        SpanData answered = attempts.get(1);
        assertEquals((long) resetting.port(), failed.getAttributes().get(AttributeKey.longKey("server.port")));
        assertNotNull(failed.getAttributes().get(AttributeKey.stringKey("error.type")), "the failed attempt's error.type");
        assertEquals(StatusCode.ERROR, failed.getStatus().getStatusCode());
        assertEquals((long) origin.port(), answered.getAttributes().get(AttributeKey.longKey("server.port")));
        assertEquals(200L, answered.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        for (SpanData attempt : attempts) {
            assertEquals(server.getSpanId(), attempt.getParentSpanId());
        }
        assertEquals(traceparent(answered), onlyRequestSeen(origin).header("traceparent"), "the retry carries its own span");
        assertEquals(traceparent(failed), onlyRequestSeen(resetting).header("traceparent"), "the first attempt its own");
    }

    @Test
    void aWebSocketHandshakeIsAClientSpanOfTheCurrentSpanAndCarriesItsContext() throws Exception {
        webSockets.handshakes.clear();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().header(ServerSpanFilter.HEADER, "yes")
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + inApplication("/ws/chat")), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        SpanData client = clientSpans(1).get(0);
        assertEquals(SpanKind.CLIENT, client.getKind());
        assertEquals(serverSpan().getSpanId(), client.getParentSpanId());
        assertEquals("http://127.0.0.1:" + webSockets.port() + inApplication("/ws/chat"),
                client.getAttributes().get(AttributeKey.stringKey("url.full")));
        assertEquals(101L, client.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertEquals(StatusCode.UNSET, client.getStatus().getStatusCode());
        String handshake = webSockets.handshakes.poll(5, TimeUnit.SECONDS);
        assertTrue(handshake.contains("traceparent: " + traceparent(client)), handshake);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void withoutACurrentSpanNothingIsMadeAndTraceContextPassesUnchanged() throws Exception {
        assertEquals(200, get("/api/untraced", "traceparent: " + TRACEPARENT, "tracestate: " + TRACESTATE).status());
        RecordedRequest seen = onlyRequestSeen(origin);
        assertEquals(TRACEPARENT, seen.header("traceparent"));
        assertEquals(TRACESTATE, seen.header("tracestate"));
        // A traced request after it: once its span is in, the untraced one's would be too.
        get("/api/traced", TRACED);
        assertEquals(1, clientSpans(1).size(), "only the traced request's span: " + SPANS.getFinishedSpanItems());
    }

    private static String traceparent(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex();
    }

    /** Sluice's client spans, oldest first, once there are this many (they end on the reactor's thread). */
    private static List<SpanData> clientSpans(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<SpanData> found;
        do {
            found = SPANS.getFinishedSpanItems().stream()
                    .filter(span -> span.getInstrumentationScopeInfo().getName().equals("dev.sluice.filter"))
                    .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
                    .toList();
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + count + " client spans, got " + found);
    }

    private static SpanData serverSpan() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (SpanData span : SPANS.getFinishedSpanItems()) {
                if (span.getInstrumentationScopeInfo().getName().equals(ServerSpanFilter.SCOPE)) {
                    return span;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no server span: " + SPANS.getFinishedSpanItems());
    }
}
