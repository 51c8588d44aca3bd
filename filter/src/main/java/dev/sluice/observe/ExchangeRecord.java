package dev.sluice.observe;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What happened to one proxied request, filled in by forwarding as it goes and handed to the
 * {@link Observers} once, when the exchange and every attempt of it are over (whichever ends
 * last: the container can report the response complete a moment before HttpClient reports the
 * attempt's end, or the other way round). One object per request and one {@link Attempt} per
 * attempt; nothing else is allocated for observers, and with none nothing is handed over.
 */
public final class ExchangeRecord {
    /** How a request ended, as the {@code outcome} of the metrics and the access log. */
    public enum Outcome {
        /** The upstream's answer reached the client, from the first node tried. */
        ANSWERED,
        /** The upstream's answer reached the client, from a node tried after another failed. */
        RETRIED,
        /** Sluice answered 502/503/504 (or 408, 500) of its own, or cut the answer: see {@link #failure()}. */
        FAILED,
        /** The client went away before its answer was whole. */
        CLIENT_GONE,
        /** Refused with 429 by a rate limit; the upstream never heard of it. */
        RATE_LIMITED,
        /** Refused with 503 as the upstream had as many requests in flight as it may hold. */
        OVERLOADED;

        private final String tag = name().toLowerCase(java.util.Locale.ROOT);

        /** The lower-case name, as metrics and the log show it. */
        public String tag() {
            return tag;
        }
    }

    private final Observers observers;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final String route;
    private final String upstream;
    private final String method;
    private final String target;
    private final String client;
    private final String requestId;
    /** The exchange itself, plus each attempt under way: the record goes out when it falls to 0. */
    private final AtomicInteger open = new AtomicInteger(1);

    private Attempt first;
    private Attempt last;
    private boolean retried;
    private long firstByteNanos;
    private long endNanos;
    private int status;
    private boolean cut;
    private boolean clientGone;
    private String failure;
    private long bytesIn;
    private long bytesOut;
    private Outcome outcome;

    /**
     * @param target the path and query as the client sent them
     * @param client the client's address, as resolved through trusted proxies
     * @param requestId the request's id, or {@code null}
     */
    public ExchangeRecord(Observers observers, String route, String upstream, String method, String target, String client,
            String requestId) {
        this.observers = observers;
        this.route = route;
        this.upstream = upstream;
        this.method = method;
        this.target = target;
        this.client = client;
        this.requestId = requestId;
    }

    // ---- written by forwarding ----

    /** An attempt goes to this node now. */
    public Attempt attemptStarted(int node, String address) {
        open.incrementAndGet();
        Attempt attempt = new Attempt(node, address, System.nanoTime());
        if (last == null) {
            first = attempt;
        } else {
            last.next(attempt);
        }
        last = attempt;
        return attempt;
    }

    /** The node's response head arrived. */
    public void responseHead(Attempt attempt, int status) {
        attempt.status(status);
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }

    /**
     * The attempt is over: the node's response is whole, or it failed.
     *
     * @param failure the kind of failure, or {@code null}
     */
    public void attemptEnded(Attempt attempt, String failure) {
        attempt.ended(failure, System.nanoTime());
        if (observers.any()) {
            observers.attemptEnded(this, attempt);
        }
        close();
    }

    /** Another node is tried after a failure. */
    public void retried() {
        retried = true;
    }

    /** The response head the client was sent has this status. */
    public void sent(int status) {
        this.status = status;
    }

    /** These many more body bytes went to the client. */
    public void bytesOut(long bytes) {
        bytesOut += bytes;
    }

    /** The request body's length, as received from the client. */
    public void bytesIn(long bytes) {
        bytesIn = bytes;
    }

    /**
     * The exchange failed: answered with Sluice's own short answer of this status, or, when
     * {@code cut}, the client's connection was closed in the middle of the upstream's answer.
     */
    public void failed(String failure, int status, boolean cut) {
        this.failure = failure;
        this.cut = cut;
        if (!cut) {
            this.status = status;
        }
    }

    /** The client went away before its answer was whole. */
    public void clientGone() {
        clientGone = true;
    }

    /** The request was refused before any exchange: the record goes out at once. */
    public void refused(Outcome outcome, int status) {
        this.outcome = outcome;
        this.status = status;
        close();
    }

    /** The exchange is over (counted once by the caller); the record goes out with its last attempt. */
    public void exchangeEnded() {
        close();
    }

    private void close() {
        if (open.decrementAndGet() != 0) {
            return;
        }
        // Never out twice: a late attempt's count can no longer bring it back to 0.
        open.set(Integer.MIN_VALUE / 2);
        endNanos = System.nanoTime();
        if (outcome == null) {
            outcome = clientGone ? Outcome.CLIENT_GONE
                    : failure != null ? Outcome.FAILED : retried ? Outcome.RETRIED : Outcome.ANSWERED;
        }
        if (observers.any()) {
            observers.exchangeEnded(this);
        }
    }

    // ---- read by observers ----

    /** Wall-clock time the request arrived, in epoch milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    public String route() {
        return route;
    }

    public String upstream() {
        return upstream;
    }

    public String method() {
        return method;
    }

    /** The path and query as the client sent them. */
    public String target() {
        return target;
    }

    /** The client's address, as resolved through trusted proxies. */
    public String client() {
        return client;
    }

    /** The request's id, or {@code null} when ids are off and the client sent none. */
    public String requestId() {
        return requestId;
    }

    /** The first attempt, or {@code null} when the request never reached a node; {@link Attempt#next} gives the rest. */
    public Attempt firstAttempt() {
        return first;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The kind of failure of a {@link Outcome#FAILED} exchange ({@code not_connected}, {@code io}, ...), else {@code null}. */
    public String failure() {
        return failure;
    }

    /** The status the client was sent, or 0 when it was sent none (it went away first). */
    public int status() {
        return status;
    }

    /** Whether the client's connection was closed in the middle of the answer, so it got a cut body. */
    public boolean cut() {
        return cut;
    }

    public boolean clientWentAway() {
        return clientGone;
    }

    /** Request body bytes received from the client. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Response body bytes handed to the client's connection. */
    public long bytesOut() {
        return bytesOut;
    }

    /** From the request's arrival to the first node response head, or -1 when none came. */
    public long firstByteNanos() {
        return firstByteNanos == 0 ? -1 : firstByteNanos - startNanos;
    }

    /** From the request's arrival to the end of the exchange. */
    public long totalNanos() {
        return endNanos - startNanos;
    }
}
