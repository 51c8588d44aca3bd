package dev.sluice.upstream;

import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;

/**
 * An answer HttpClient could not parse, read on a pooled connection that had carried an exchange
 * before. The likely cause is bytes the node sent after its previous answer there (a body after a
 * 204 or a 304, or after the head of a HEAD answer), which the parser takes for the start of this
 * one: the node's answer to this request may be whole behind them. The request did reach the
 * node, so only one that may be processed twice can go again.
 */
public final class MalformedOnReusedConnection extends ProtocolException {
    private static final long serialVersionUID = 1L;

    private MalformedOnReusedConnection(HttpException cause) {
        super("malformed answer on a connection used before (bytes left after the node's previous answer?): "
                + cause.getMessage(), cause);
    }

    /**
     * The exchange's failure, marked as this when it is a protocol error on a connection that had
     * carried a request before this exchange's own.
     *
     * @param context the exchange's context, where HttpCore puts the connection it was sent on
     */
    public static Exception marked(Exception cause, HttpContext context) {
        if (!(cause instanceof HttpException protocolError) || cause instanceof MalformedOnReusedConnection) {
            return cause;
        }
        // The connection's own figures: this exchange's request is one of them.
        EndpointDetails connection = HttpCoreContext.cast(context).getEndpointDetails();
        return connection != null && connection.getRequestCount() > 1 ? new MalformedOnReusedConnection(protocolError) : cause;
    }
}
