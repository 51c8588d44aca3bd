package dev.sluice.status;

/**
 * The JMX view of one upstream, registered as
 * {@code dev.sluice:type=Upstream,context=<context path>,name=<upstream>}.
 */
public interface UpstreamStatusMBean {
    /** The upstream's configured name. */
    String getName();

    /** The nodes as {@code host:port weight=N} and their health: {@code up}, or {@code ejected N ms more (ejection #k)}. */
    String[] getNodes();

    /** Pooled connections currently lent to an exchange. */
    int getLeasedConnections();

    /** Pooled connections open and idle. */
    int getAvailableConnections();

    /** Exchanges waiting for a connection. */
    int getPendingConnections();

    /** The pool's size. */
    int getMaxConnections();

    /** Requests admitted past the rate limits and the bound on requests in flight. */
    long getRequests();

    /** Attempts made again on another node. */
    long getRetries();

    /** Calls refused with 429. */
    long getRateLimited();

    /** Requests that ended in 502/503/504 or an aborted response. */
    long getFailures();

    /** Calls refused with 503 because {@code pool.max-connections + pool.max-waiting} were in flight. */
    long getOverloaded();

    /** Clients whose per-client rate-limit buckets are held now (bounded by {@code rate-limit.per-client.max-clients}). */
    long getTrackedClients();

    /** Where the rate limits are counted: {@code local}, or for Redis its state: {@code redis shared}, {@code redis fallback} or {@code redis starting}. */
    String getRateLimitStore();

    /** How often the shared store went down and the fallback took over (0 for local limits). */
    long getRateLimitFallbackSwitches();

    /** Rate limit decisions the fallback made while the shared store was down (0 for local limits). */
    long getRateLimitFallbackDecisions();

    /** WebSocket tunnels open now (with handshakes under way). */
    int getWebSocketsOpen();

    /** WebSocket tunnels opened since the start. */
    long getWebSocketsOpened();

    /** WebSocket tunnels ended by the client, by the upstream, and for idleness. */
    String getWebSocketsClosed();

    /** WebSocket handshakes answered 503 beyond {@code websocket.max-connections}. */
    long getWebSocketsRefused();

    /** Bytes the open tunnels hold now, both ways, for sides that read slower than the other sends. */
    long getWebSocketsHeldBytes();

    /** The most bytes one direction of one tunnel held at once: at most {@code websocket.buffer}. */
    int getWebSocketsMostHeldBytes();
}
