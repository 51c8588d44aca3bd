package dev.sluice.upstream;

import static dev.sluice.upstream.MalformedOnReusedConnectionTest.connectionThatCarried;
import static dev.sluice.upstream.MalformedOnReusedConnectionTest.sentOn;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.junit.jupiter.api.Test;

/**
 * Which failures of an exchange say its request never left: it was handed to a pooled connection
 * that failed before taking it (HttpCore puts the connection's details in the context as it takes one).
 */
class UnsentOnBrokenConnectionTest {

    @Test
    void aFailureOfAConnectionThatNeverTookTheHandedOverRequestIsNotExecuted() {
        HttpException stray = new HttpException("Unexpected response");
        HttpClientContext context = HttpClientContext.create();
        UnsentOnBrokenConnection.handedOver(context);
        Exception marked = UnsentOnBrokenConnection.marked(stray, context);
        assertInstanceOf(RequestNotExecutedException.class, marked);
        assertSame(stray, marked.getCause());
    }

    @Test
    void aFailureAfterTheConnectionTookTheRequestIsLeftAsItIs() {
        HttpException stray = new HttpException("Unexpected response");
        HttpClientContext context = sentOn(connectionThatCarried(2));
        UnsentOnBrokenConnection.handedOver(context);
        assertSame(stray, UnsentOnBrokenConnection.marked(stray, context));
    }

    @Test
    void aFailureBeforeAnyConnectionWasLeasedIsLeftAsItIs() {
        HttpException refused = new HttpException("Direct execution of CONNECT is not allowed");
        assertSame(refused, UnsentOnBrokenConnection.marked(refused, HttpClientContext.create()));
    }
}
