package dev.sluice.upstream;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;

import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.impl.BasicEndpointDetails;
import org.apache.hc.core5.http.impl.BasicHttpConnectionMetrics;
import org.apache.hc.core5.http.impl.BasicHttpTransportMetrics;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

/**
 * Which failures of an exchange are marked as a malformed answer on a connection used before: the
 * connection's figures are HttpCore's own, as it puts them in the exchange's context.
 */
class MalformedOnReusedConnectionTest {

    @Test
    void anUnparsableAnswerOnAConnectionThatCarriedARequestBeforeIsMarked() {
        ParseException garbled = new ParseException("Invalid protocol version");
        Exception marked = MalformedOnReusedConnection.marked(garbled, sentOn(connectionThatCarried(2)));
        assertInstanceOf(MalformedOnReusedConnection.class, marked);
        assertSame(garbled, marked.getCause());
    }

    @Test
    void anUnparsableAnswerOnANewConnectionIsTheNodesOwnAndLeftAsItIs() {
        ParseException garbled = new ParseException("Invalid protocol version");
        assertSame(garbled, MalformedOnReusedConnection.marked(garbled, sentOn(connectionThatCarried(1))));
    }

    @Test
    void anIoFailureOnAConnectionUsedBeforeIsLeftAsItIs() {
        IOException reset = new IOException("Connection reset");
        assertSame(reset, MalformedOnReusedConnection.marked(reset, sentOn(connectionThatCarried(2))));
    }

    @Test
    void aProtocolErrorBeforeAnyConnectionIsLeftAsItIs() {
        ParseException refused = new ParseException("Direct execution of CONNECT is not allowed");
        assertSame(refused, MalformedOnReusedConnection.marked(refused, HttpClientContext.create()));
    }

    /** The connection's figures after {@code requests} request heads went out on it, this exchange's included. */
    static BasicEndpointDetails connectionThatCarried(int requests) {
        BasicHttpConnectionMetrics metrics = new BasicHttpConnectionMetrics(new BasicHttpTransportMetrics(), new BasicHttpTransportMetrics());
        for (int i = 0; i < requests; i++) {
            metrics.incrementRequestCount();
        }
        return new BasicEndpointDetails(null, null, metrics, Timeout.ofSeconds(1));
    }

    static HttpClientContext sentOn(BasicEndpointDetails connection) {
        HttpClientContext context = HttpClientContext.create();
        context.setEndpointDetails(connection);
        return context;
    }
}
