package dev.sluice.observe;

/**
 * Told of each proxied request's attempts and outcome, once each, on whichever thread ended them
 * (a container or an HttpClient reactor thread): it must not block, and should not allocate
 * much. An observer that fails is logged and skipped; the exchange goes on.
 */
public interface ExchangeObserver {
    /** An attempt of the exchange ended; the exchange's own fields may still change. */
    default void attemptEnded(ExchangeRecord exchange, Attempt attempt) {
    }

    /** The exchange is over: every field of the record is final. */
    void exchangeEnded(ExchangeRecord exchange);
}
