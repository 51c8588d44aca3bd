package dev.sluice.observe;

/**
 * One attempt of an exchange: the node it went to and how it ended. Written by the thread that
 * runs the attempt (each attempt starts once the one before has ended), read by observers once
 * it has ended.
 */
public final class Attempt {
    private final int node;
    private final String address;
    private final long startNanos;
    private int status;
    private String failure;
    private long endNanos;
    private Attempt next;

    Attempt(int node, String address, long startNanos) {
        this.node = node;
        this.address = address;
        this.startNanos = startNanos;
    }

    /** The node's index in its upstream's list. */
    public int node() {
        return node;
    }

    /** The node's {@code host:port}. */
    public String address() {
        return address;
    }

    /** The status of the node's response, or 0 when none came. */
    public int status() {
        return status;
    }

    /** The kind of failure that ended the attempt ({@code io}, {@code not_connected}, ...), or {@code null}. */
    public String failure() {
        return failure;
    }

    /** From the request's sending to the end of the node's response or the failure. */
    public long durationNanos() {
        return endNanos - startNanos;
    }

    /** The next attempt of the same exchange, or {@code null}. */
    public Attempt next() {
        return next;
    }

    void status(int status) {
        this.status = status;
    }

    void ended(String failure, long now) {
        this.failure = failure;
        this.endNanos = now;
    }

    void next(Attempt next) {
        this.next = next;
    }
}
