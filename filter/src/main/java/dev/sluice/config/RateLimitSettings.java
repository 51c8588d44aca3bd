package dev.sluice.config;

/**
 * A token bucket.
 *
 * @param rate requests per second
 * @param burst requests allowed at once after a quiet period
 * @param maxClients for per-client limits, how many clients' buckets are kept (least recently
 *        used go first); 0 for the upstream-wide limit
 */
public record RateLimitSettings(int rate, int burst, int maxClients) {
}
