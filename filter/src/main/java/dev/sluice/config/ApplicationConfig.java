package dev.sluice.config;

import java.util.ServiceConfigurationError;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

/**
 * The application's MicroProfile Config, from which Sluice reads its settings, held for as long as
 * the filter runs. Its public signatures name no MicroProfile type, so that the filter can hold one
 * and still load, and say what is missing, when the API is not there.
 */
public final class ApplicationConfig {
    private final ConfigProviderResolver resolver;
    private final Config config;

    private ApplicationConfig(ConfigProviderResolver resolver, Config config) {
        this.resolver = resolver;
        this.config = config;
    }

    /**
     * Opens the configuration of the application whose class loader this is. Call
     * {@link MicroProfileConfigMissing#requireApi} first.
     *
     * @throws MicroProfileConfigMissing when no MicroProfile Config implementation is found
     */
    public static ApplicationConfig open(ClassLoader loader) throws MicroProfileConfigMissing {
        ConfigProviderResolver resolver;
        try {
            resolver = ConfigProviderResolver.instance();
        } catch (IllegalStateException | ServiceConfigurationError e) {
            throw MicroProfileConfigMissing.noImplementation(e);
        }
        return new ApplicationConfig(resolver, resolver.getConfig(loader));
    }

    /**
     * Sluice's settings as this configuration has them now.
     *
     * @throws ConfigurationException naming the first bad key
     */
    public SluiceSettings settings() {
        return SettingsParser.parse(config);
    }

    /** Lets the configuration go: a shared resolver keeps it, and with it the application's class loader. */
    public void close() {
        resolver.releaseConfig(config);
    }
}
