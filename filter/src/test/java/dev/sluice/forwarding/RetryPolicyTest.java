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
        assertTrue(retried(Kind.NOT_CONNECTED, "POST"));
    }

    @Test
    void aPostThatReachedTheNodeDoesNotGoAgain() {
        assertFalse(retried(Kind.IO, "POST"));
    }

    @Test
    void aGetThatReachedTheNodeGoesToAnother() {
        assertTrue(retried(Kind.IO, "GET"));
        assertTrue(retried(Kind.IO, "DELETE"));
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
        assertFalse(retried(Kind.POOL_WAIT, "GET"));
    }

    @Test
    void aMalformedResponseIsNotRetriedEvenForAGet() {
        assertFalse(retried(Kind.OTHER, "GET"));
    }

    /** A first attempt's failure, with attempts, nodes and time left. */
    private static boolean retried(Kind kind, String method) {
        return RetryPolicy.mayRetry(kind, method, false, TWO_RETRIES, NOW, 2, true);
    }
}
