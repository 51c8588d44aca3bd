package dev.sluice.reload;

/**
 * The JMX control of one filter, registered as {@code dev.sluice:type=Filter,context=<context path>}.
 */
public interface ReloaderMBean {
    /**
     * Reads the configuration again from every source and, if it changed, swaps it in: unchanged
     * upstreams go on as they are, changed and removed ones finish their exchanges and close.
     *
     * @return what happened, e.g. {@code reloaded: 2 upstreams (1 changed), 3 routes}
     * @throws IllegalArgumentException when the new configuration is refused; the message names
     *         the key, and the running configuration stays in force
     */
    String reload();
}
