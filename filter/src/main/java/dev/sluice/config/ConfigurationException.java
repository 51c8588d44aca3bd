package dev.sluice.config;

/**
 * A configuration value Sluice cannot use. The message always names the offending key, the value
 * found and what would have been accepted, so a failed start can be fixed from the log alone.
 */
public final class ConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the full configuration key, e.g. {@code sluice.upstream.orders.timeout}
     * @param value the value found, or {@code null} when the key is missing
     * @param allowed a short description of what the key accepts
     */
    public ConfigurationException(String key, String value, String allowed) {
        super(key + (value == null ? " is missing" : " = '" + value + "' is not allowed")
                + ": " + allowed);
        this.key = key;
    }

    /** The full configuration key that is wrong. */
    public String key() {
        return key;
    }
}
