package dev.sluice.config;

import java.time.Duration;
import java.util.Set;

/**
 * Passive health of an upstream's nodes, learnt from real traffic (nginx's max_fails and
 * fail_timeout, with Envoy's escalating ejection).
 *
 * @param maxFails consecutive failures that take a node out; 0 turns passive health off
 * @param ejection how long the first ejection lasts; the n-th lasts n times as long
 * @param maxEjection the longest an ejection lasts
 * @param maxEjectedPercent the largest share of weighted nodes passive health takes out at once; 100 allows all
 * @param failureStatuses response statuses that count as failures (connect errors and timeouts always do)
 * @param failOpen when every node is out: send to all of them anyway instead of answering 503
 * @param activeCheck active checks, or {@code null} for none
 */
public record HealthSettings(int maxFails, Duration ejection, Duration maxEjection, int maxEjectedPercent,
        Set<Integer> failureStatuses, boolean failOpen, ActiveCheckSettings activeCheck) {

    public HealthSettings {
        failureStatuses = Set.copyOf(failureStatuses);
    }
}
