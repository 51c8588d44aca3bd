package dev.sluice.observe;

import java.util.List;

/**
 * The observers of one configuration's exchanges, told in order. With none, telling costs a
 * check of an empty array.
 */
public final class Observers {
    /** Nobody listens. */
    public static final Observers NONE = new Observers(List.of());
    private static final System.Logger LOG = System.getLogger(Observers.class.getName());

    private final ExchangeObserver[] all;

    private Observers(List<ExchangeObserver> all) {
        this.all = all.toArray(ExchangeObserver[]::new);
    }

    /** These observers, skipping {@code null}s. */
    public static Observers of(ExchangeObserver... observers) {
        List<ExchangeObserver> present = java.util.Arrays.stream(observers).filter(o -> o != null).toList();
        return present.isEmpty() ? NONE : new Observers(present);
    }

    /** Whether anybody listens: nothing needs to be told otherwise. */
    public boolean any() {
        return all.length > 0;
    }

    public void attemptEnded(ExchangeRecord exchange, Attempt attempt) {
        for (ExchangeObserver observer : all) {
            try {
                observer.attemptEnded(exchange, attempt);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "observer " + observer + " failed", e);
            }
        }
    }

    public void exchangeEnded(ExchangeRecord exchange) {
        for (ExchangeObserver observer : all) {
            try {
                observer.exchangeEnded(exchange);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "observer " + observer + " failed", e);
            }
        }
    }
}
