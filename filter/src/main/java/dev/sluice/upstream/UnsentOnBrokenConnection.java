package dev.sluice.upstream;

import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;

/**
 * An exchange handed to a pooled connection that broke before it took the request. A connection
 * goes back to the pool the moment an answer ends, and a waiting exchange may be queued on it at
 * once; if the node then sent more bytes (a second answer to one request), the connection fails
 * with them and fails every exchange queued on it with that cause, a protocol error that says
 * nothing of this request, which never left. It is passed on as a {@link RequestNotExecutedException},
 * which any request may be sent again after, like one that found its pooled connection closed.
 */
final class UnsentOnBrokenConnection {
    /** Set on an exchange's context when it is handed to a leased connection. */
    private static final String HANDED_TO_CONNECTION = "dev.sluice.handed-to-connection";

    private UnsentOnBrokenConnection() {
    }

    /** Notes that the exchange was handed to a connection; HttpCore notes when the connection takes it. */
    static void handedOver(HttpContext context) {
        context.setAttribute(HANDED_TO_CONNECTION, Boolean.TRUE);
    }

    /**
     * The exchange's failure, as a {@link RequestNotExecutedException} when it had been handed to a
     * connection that never took it: HttpCore puts the connection's details in the context only as
     * the connection takes the exchange, before it writes the request's first byte.
     */
    static Exception marked(Exception cause, HttpContext context) {
        if (cause instanceof RequestNotExecutedException || context.getAttribute(HANDED_TO_CONNECTION) == null
                || HttpCoreContext.cast(context).getEndpointDetails() != null) {
            return cause;
        }
        RequestNotExecutedException unsent = new RequestNotExecutedException(
                "the pooled connection broke before it took the request: " + cause.getMessage());
        unsent.initCause(cause);
        return unsent;
    }
}
