package dev.sluice.config;

import java.time.Duration;

/**
 * How long an upstream's nodes may take.
 *
 * @param connect the limit on opening a connection to a node, and on waiting for a pooled one
 * @param response the limit on waiting for the node: for the first response byte and between reads
 */
public record TimeoutSettings(Duration connect, Duration response) {
}
