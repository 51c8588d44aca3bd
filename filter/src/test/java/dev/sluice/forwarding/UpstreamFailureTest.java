package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.forwarding.UpstreamFailure.Kind;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;

import dev.sluice.upstream.MalformedOnReusedConnection;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.impl.BasicEndpointDetails;
import org.apache.hc.core5.http.impl.BasicHttpConnectionMetrics;
import org.junit.jupiter.api.Test;

/**
 * How a failed attempt is classified: the status its client gets, whether it counts against the
 * node, and whether the request may go again. Socket failures come from real sockets.
 */
class UpstreamFailureTest {

    @Test
    void aRefusedConnectionIsABadGatewayThatCountsAgainstTheNodeAndMayGoElsewhereWhateverTheMethod() throws IOException {
        ConnectException refused = refusedConnection();
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", new ExecutionException(refused));
        assertEquals(Kind.NOT_CONNECTED, failure.kind());
        assertEquals(502, failure.status());
        assertTrue(failure.kind().countsAgainstNode());
        assertTrue(failure.kind().mayRetry(false), "never reached the node, so a POST may go to another");
    }

    @Test
    void aReadTimeoutOnAnOpenConnectionIsAGatewayTimeoutRetriedOnlyWhenIdempotent() throws IOException {
        SocketTimeoutException timeout = readTimeout();
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", timeout);
        assertEquals(Kind.IO, failure.kind());
        assertEquals(504, failure.status());
        assertTrue(failure.kind().countsAgainstNode());
        assertTrue(failure.kind().mayRetry(true));
        assertFalse(failure.kind().mayRetry(false), "the node may have processed it");
        assertTrue(UpstreamFailure.timedOutWhileConnected(timeout));
    }

    @Test
    void aConnectTimeoutIsAGatewayTimeoutThatNoClientCanHaveStalled() {
        ConnectTimeoutException timeout = new ConnectTimeoutException("connect timed out");
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", timeout);
        assertEquals(Kind.NOT_CONNECTED, failure.kind());
        assertEquals(504, failure.status());
        assertFalse(UpstreamFailure.timedOutWhileConnected(timeout));
    }

    @Test
    void aWaitForAPooledConnectionIsA503ToComeBackInASecondAndNotTheNodesFault() {
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", new ConnectionRequestTimeoutException("lease timed out"));
        assertEquals(Kind.POOL_WAIT, failure.kind());
        assertEquals(503, failure.status());
        assertEquals(1, failure.retryAfterSeconds());
        assertFalse(failure.kind().countsAgainstNode());
        assertFalse(failure.kind().mayRetry(true));
    }

    @Test
    void aPooledConnectionTheNodeHadClosedIsResentToTheSameNode() {
        Kind kind = UpstreamFailure.classify(new RequestNotExecutedException("connection closed"));
        assertEquals(Kind.STALE_CONNECTION, kind);
        assertTrue(kind.mayResendOnSameNode(false), "never sent, so any method");
        assertFalse(Kind.IO.mayResendOnSameNode(true));
    }

    @Test
    void aMalformedAnswerOnAConnectionUsedBeforeIsResentToTheSameNodeOnlyWhenIdempotent() {
        HttpClientContext reused = HttpClientContext.create();
        BasicHttpConnectionMetrics metrics = new BasicHttpConnectionMetrics(null, null);
        metrics.incrementRequestCount();
        metrics.incrementRequestCount();
        reused.setEndpointDetails(new BasicEndpointDetails(null, null, metrics, null));
        Exception garbled = MalformedOnReusedConnection.marked(new ParseException("Invalid protocol version"), reused);
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", garbled);
        assertEquals(502, failure.status());
        assertNeitherCountsNorGoesAgain(Kind.MALFORMED_ON_REUSED, failure);
        assertTrue(failure.kind().mayResendOnSameNode(true));
        assertFalse(failure.kind().mayResendOnSameNode(false), "the node had the request: a POST is not sent twice");
    }

    @Test
    void aMalformedResponseIsABadGatewayThatNeitherCountsNorGoesAgain() {
        UpstreamFailure failure = UpstreamFailure.of("api", "127.0.0.1:1", new ProtocolException("invalid status line"));
        assertEquals(502, failure.status());
        assertNeitherCountsNorGoesAgain(Kind.OTHER, failure);
    }

    @Test
    void aClientThatStallsItsUploadGetsA408AndTheNodeIsNotBlamed() {
        UpstreamFailure failure = UpstreamFailure.clientStalled("api", new SocketTimeoutException(), true);
        assertEquals(408, failure.status());
        assertNeitherCountsNorGoesAgain(Kind.CLIENT, failure);
    }

    @Test
    void everyStatusAFailureCanHaveHasAShortAnswer() {
        assertEquals("503 Service Unavailable\n", new String(FailureAnswer.body(UpstreamFailure.noNode("api").status())));
        assertEquals("500 Internal Server Error\n", new String(FailureAnswer.body(UpstreamFailure.requestBodyShort("api", 3, 7).status())));
        assertEquals("504 Gateway Timeout\n", new String(FailureAnswer.body(504)));
        assertEquals("502 Bad Gateway\n", new String(FailureAnswer.body(502)));
        assertEquals("408 Request Timeout\n", new String(FailureAnswer.body(408)));
        assertEquals("429 Too Many Requests\n", new String(FailureAnswer.body(429)));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> FailureAnswer.body(418));
        assertTrue(unknown.getMessage().startsWith("status"), unknown.getMessage());
    }

    private static void assertNeitherCountsNorGoesAgain(Kind expected, UpstreamFailure failure) {
        assertEquals(expected, failure.kind());
        assertFalse(failure.kind().countsAgainstNode(), "counts against the node");
        assertFalse(failure.kind().mayRetry(true), "may go again");
    }

    private static ConnectException refusedConnection() throws IOException {
        InetSocketAddress closed;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = (InetSocketAddress) server.getLocalSocketAddress();
        }
        try (Socket socket = new Socket()) {
            return assertThrows(ConnectException.class, () -> socket.connect(closed, 2_000));
        }
    }

    private static SocketTimeoutException readTimeout() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket socket = new Socket()) {
            socket.connect(server.getLocalSocketAddress(), 2_000);
            socket.setSoTimeout(50);
            InputStream in = socket.getInputStream();
            return assertThrows(SocketTimeoutException.class, in::read);
        }
    }
}
