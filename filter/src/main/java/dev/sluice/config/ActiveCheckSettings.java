package dev.sluice.config;

import java.time.Duration;

/**
 * Active health checks: Sluice asks each node itself, so a hung or dead node is taken out without
 * a user's request failing first.
 *
 * @param path the request path of the check, e.g. {@code /health}
 * @param interval time between two checks of a node
 * @param timeout how long a check may take
 * @param minStatus the lowest status that counts as healthy
 * @param maxStatus the highest status that counts as healthy
 * @param healthyThreshold passing checks in a row that bring a node back
 * @param unhealthyThreshold failing checks in a row that take a node out
 */
public record ActiveCheckSettings(String path, Duration interval, Duration timeout, int minStatus, int maxStatus,
        int healthyThreshold, int unhealthyThreshold) {
}
