package dev.sluice.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class TokenLeaseTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong now = new AtomicLong(1_000_000 * MS);
    private final TokenLease lease = new TokenLease(now::get);

    @Test
    void tokensGrantedAreSpentOneACallThenNoMore() {
        assertTrue(lease.startAsking());
        lease.granted(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(lease.take(), "token " + (i + 1));
        }
        assertFalse(lease.take(), "the batch is spent");
    }

    @Test
    void tokensLeftExpireSoonAfterTheGrant() {
        lease.startAsking();
        lease.granted(10);
        assertTrue(lease.take());
        now.addAndGet(TokenLease.LIFE_MILLIS * MS);
        assertFalse(lease.take(), "nine tokens left, expired");
    }

    @Test
    void oneBatchIsAskedForAtATime() {
        assertTrue(lease.startAsking());
        assertFalse(lease.startAsking(), "a second caller asks for one token of its own");
        lease.notGranted(true);
        assertTrue(lease.startAsking(), "refused or failed, the next may ask");
    }

    @Test
    void callsMayWaitForTheBatchBeingAskedFor() {
        assertTrue(lease.startAsking());
        CompletableFuture<Boolean> batch = lease.asked();
        assertFalse(batch.isDone(), "on its way");
        lease.granted(2);
        assertTrue(batch.join(), "came");
        assertTrue(lease.takeAgain());
        assertNull(lease.asked(), "none asked for now");
    }

    @Test
    void callsWaitingForABatchThatFailedAreToldSo() {
        lease.startAsking();
        CompletableFuture<Boolean> batch = lease.asked();
        lease.notGranted(false);
        assertFalse(batch.join(), "the store did not answer in time: the waiting calls go to the fallback");
        assertFalse(lease.takeAgain());
    }

    @Test
    void theRestOfTheLastBatchIsAddedToTheNext() {
        lease.startAsking();
        lease.granted(4);
        lease.take();
        lease.startAsking();
        lease.granted(2);
        int spent = 0;
        while (lease.take()) {
            spent++;
        }
        assertEquals(5, spent, "three left of the first batch, two of the second");
    }

    @Test
    void aBatchRunsLowInItsSecondHalf() {
        lease.startAsking();
        lease.granted(8);
        for (int i = 0; i < 3; i++) {
            lease.take();
        }
        assertFalse(lease.low(), "five of eight left");
        lease.take();
        assertTrue(lease.low(), "four of eight left");
    }

    @Test
    void aBatchHoldsTheCallsOfTheNextFiftyMillisecondsAtTheRateSeen() {
        callsOver(100, 100);
        assertEquals(50, lease.size(1_000), "1,000 calls a second: 50 in 50 ms");
    }

    @Test
    void aBatchNeverExceedsItsBound() {
        callsOver(1_000, 100);
        assertEquals(20, lease.size(20));
    }

    @Test
    void aLowRateAsksOneTokenACall() {
        callsOver(2, 100);
        assertEquals(1, lease.size(1_000), "20 calls a second: one token each");
    }

    /** That many calls spread over that many milliseconds, none finding a token. */
    private void callsOver(int calls, long millis) {
        for (int i = 0; i < calls; i++) {
            now.addAndGet(millis * MS / calls);
            lease.take();
        }
    }
}
