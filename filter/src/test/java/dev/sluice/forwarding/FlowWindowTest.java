package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.nio.CapacityChannel;
import org.junit.jupiter.api.Test;

/** What HttpClient's window gets back, and when: only bytes the client side accepted. */
class FlowWindowTest {
    /** The window as HttpClient sees it: every update it was given. */
    private final List<Integer> updates = new ArrayList<>();
    private final CapacityChannel channel = updates::add;
    private final FlowWindow window = new FlowWindow(1000);

    @Test
    void whatWasAcceptedGoesBackWhenHttpClientAsks() throws IOException {
        window.accepted(300);
        window.channel(channel);
        assertEquals(List.of(300), updates);
    }

    @Test
    void acceptedBytesWaitUntilHalfTheWindowIsOwed() throws IOException {
        window.channel(channel);
        window.accepted(499);
        window.settle();
        assertEquals(List.of(), updates, "the reactor still has window to read with");
        window.accepted(1);
        window.settle();
        assertEquals(List.of(500), updates);
    }

    @Test
    void bytesWrittenWhileTheClientWasSlowCountOnlyOnceItIsReady() throws IOException {
        window.writtenAhead(700);
        assertTrue(window.owes());
        window.channel(channel);
        assertEquals(List.of(), updates, "nothing accepted yet, nothing given back");
        window.settleOwed();
        assertFalse(window.owes());
        window.settle();
        assertEquals(List.of(700), updates);
    }

    @Test
    void nothingIsGivenBackTwice() throws IOException {
        window.accepted(600);
        window.channel(channel);
        window.channel(channel);
        window.settle();
        assertEquals(List.of(600), updates);
    }

    @Test
    void aWindowReopenedForAClientThatLeftLetsTheUpstreamBeReadAtOnce() throws IOException {
        window.channel(channel);
        window.reopen();
        assertEquals(List.of(Integer.MAX_VALUE / 2), updates);
    }
}
