package dev.sluice.config;

import java.time.Duration;

/**
 * When a failed attempt is tried again on another node.
 *
 * @param retries how many more attempts after the first, each on a node not yet tried
 * @param nonIdempotentWithKey whether a non-idempotent request that carries an
 *        {@code Idempotency-Key} header may be retried after it was sent
 * @param deadline no new attempt starts later than this after the request arrived; {@code null}
 *        for no limit
 */
public record RetrySettings(int retries, boolean nonIdempotentWithKey, Duration deadline) {
}
