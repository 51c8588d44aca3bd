package dev.sluice.tracing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a request is traced: with the API present and a span current, unless {@code sluice.tracing=false}. */
class TracingSwitchTest {
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create())).build();

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aRequestUnderACurrentSpanIsTraced() {
        Span span = provider.get("test").spanBuilder("GET").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            assertNotNull(Tracing.find(true).current());
        } finally {
            span.end();
        }
    }

    @Test
    void aRequestWithoutACurrentSpanIsNot() {
        assertNull(Tracing.find(true).current());
    }

    @Test
    void switchedOffNothingIsTracedEvenUnderASpan() {
        assertSame(Tracing.OFF, Tracing.find(false));
        Span span = provider.get("test").spanBuilder("GET").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            assertNull(Tracing.find(false).current());
        } finally {
            span.end();
        }
    }
}
