package dev.sluice.config;

/**
 * A change to the request headers before they go upstream, or to the response headers before they
 * go to the client, applied after the other side's headers were copied: removals first, then
 * {@code set} (replaces any value) and {@code add} (appends).
 *
 * @param action what to do
 * @param name the header name, a valid token
 * @param value the value for set and add, free of control characters; {@code null} for remove
 */
public record HeaderRule(Action action, String name, String value) {

    /** The kinds of change. */
    public enum Action {
        /** Drop every value of the header. */
        REMOVE,
        /** Replace every value of the header with one value. */
        SET,
        /** Add one more value. */
        ADD
    }
}
