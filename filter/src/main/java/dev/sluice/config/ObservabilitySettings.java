package dev.sluice.config;

/**
 * What Sluice tells about the requests it forwards.
 *
 * @param accessLog whether each proxied request is logged on {@code dev.sluice.access}
 * @param metrics whether meters are registered when Micrometer is on the application's class path
 * @param requestIdHeader the header carrying a request's id, or {@code null} for none
 * @param generateRequestId whether a request without an id is given one
 * @param tracing whether attempts are client spans of a current OpenTelemetry span
 */
public record ObservabilitySettings(boolean accessLog, boolean metrics, String requestIdHeader, boolean generateRequestId,
        boolean tracing) {
}
