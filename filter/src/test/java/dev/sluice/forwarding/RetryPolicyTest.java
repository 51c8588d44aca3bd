package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.config.RetrySettings;
import dev.sluice.forwarding.UpstreamFailure.Kind;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** When a failed attempt goes to another node. */
class RetryPolicyTest {
    private static final RetrySettings TWO_RETRIES = new RetrySettings(2, false, null);
    private static final long NOW = 0;

    @Test
    void aPostWhoseConnectionNeverOpenedGoesToAnotherNode() {
        assertTrue(RetryPolicy.mayRetry(Kind.NOT_CONNECTED, "POST", false, TWO_RETRIES, NOW, 2, true));
    }

    @Test
    void aPostThatReachedTheNodeDoesNotGoAgain() {
        assertFalse(RetryPolicy.mayRetry(Kind.IO, "POST", false, TWO_RETRIES, NOW, 2, true));
    }

    @Test
    void aGetThatReachedTheNodeGoesToAnother() {
        assertTrue(RetryPolicy.mayRetry(Kind.IO, "GET", false, TWO_RETRIES, NOW, 2, true));
        assertTrue(RetryPolicy.mayRetry(Kind.IO, "DELETE", false, TWO_RETRIES, NOW, 2, true));
    }

    @Test
    void aPostWithAnIdempotencyKeyGoesAgainOnlyWhereConfigured() {
        RetrySettings withKey = new RetrySettings(2, true, null);
        assertTrue(RetryPolicy.mayRetry(Kind.IO, "POST", true, withKey, NOW, 2, true));
        assertFalse(RetryPolicy.mayRetry(Kind.IO, "POST", false, withKey, NOW, 2, true), "no key");
        assertFalse(RetryPolicy.mayRetry(Kind.IO, "POST", true, TWO_RETRIES, NOW, 2, true), "not configured");
    }

    @Test
    void noAttemptFollowsOnceTheAttemptsAreUsedUp() {
        assertFalse(RetryPolicy.mayRetry(Kind.NOT_CONNECTED, "GET", false, TWO_RETRIES, NOW, 0, true));
    }

    @Test
    void noAttemptFollowsOnceEveryNodeWasTried() {
        assertFalse(RetryPolicy.mayRetry(Kind.NOT_CONNECTED, "GET", false, TWO_RETRIES, NOW, 2, false));
    }

    @Test
    void noAttemptStartsAfterTheDeadline() {
        RetrySettings deadline = new RetrySettings(2, false, Duration.ofMillis(500));
        assertTrue(RetryPolicy.mayRetry(Kind.NOT_CONNECTED, "GET", false, deadline, Duration.ofMillis(400).toNanos(), 2, true));
        assertFalse(RetryPolicy.mayRetry(Kind.NOT_CONNECTED, "GET", false, deadline, Duration.ofMillis(600).toNanos(), 2, true));
    }

    @Test
    void aRequestThatWaitedForAPooledConnectionIsAnsweredInsteadOfRetried() {
        assertFalse(RetryPolicy.mayRetry(Kind.POOL_WAIT, "GET", false, TWO_RETRIES, NOW, 2, true));
    }

    @Test
    void aMalformedResponseIsNotRetriedEvenForAGet() {
        assertFalse(RetryPolicy.mayRetry(Kind.OTHER, "GET", false, TWO_RETRIES, NOW, 2, true));
    }
}
