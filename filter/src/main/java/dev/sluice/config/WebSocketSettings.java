package dev.sluice.config;

import java.time.Duration;

/**
 * How an upstream's WebSocket handshakes are carried through.
 *
 * @param enabled whether handshakes on the upstream's routes are forwarded and spliced; when not,
 *        they are answered 400 without reaching the upstream
 * @param maxConnections tunnels open at once to the upstream; a handshake beyond them is answered 503
 * @param idleTimeout how long a tunnel may carry no byte either way before it is closed
 * @param buffer bytes held per direction for a side slower than the other
 */
public record WebSocketSettings(boolean enabled, int maxConnections, Duration idleTimeout, int buffer) {
}
