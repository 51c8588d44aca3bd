package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Sluice reads its settings through MicroProfile Config, and the application (or its container)
 * has not got it: the API is not on the class path, or no implementation is. The message says
 * which, and the Maven coordinates that fix it, since the container alone would only report that a
 * filter failed to start.
 */
public final class MicroProfileConfigMissing extends Exception {
    private static final long serialVersionUID = 1L;
    private static final String API_PACKAGE = "org.eclipse.microprofile.config";
    private static final String CONTAINER_INSTEAD = ", or deploy to a container that provides MicroProfile Config.";

    private MicroProfileConfigMissing(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Fails when the MicroProfile Config API cannot be loaded through Sluice's own class loader.
     * Call it before any class whose fields or signatures name the API's types is used: such a
     * class fails to load without it, with the container's error in place of this one.
     */
    public static void requireApi(ClassLoader sluiceLoader) throws MicroProfileConfigMissing {
        try {
            Class.forName(API_PACKAGE + ".ConfigProvider", false, sluiceLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new MicroProfileConfigMissing("Sluice cannot start: the MicroProfile Config API (" + API_PACKAGE
                    + ") is not on the application's class path, and Sluice reads its settings through it. Add a"
                    + " MicroProfile Config implementation with its API to the application, e.g. "
                    + smallRye() + " (it brings org.eclipse.microprofile.config:microprofile-config-api:"
                    + version("microprofile-config-api") + ")" + CONTAINER_INSTEAD, e);
        }
    }

    /** The API is there, but it found no implementation (or could not load the one it found). */
    static MicroProfileConfigMissing noImplementation(Throwable cause) {
        return new MicroProfileConfigMissing("Sluice cannot start: no MicroProfile Config implementation was found (the API "
                + API_PACKAGE + " is there, but it says: " + cause.getMessage() + "), and Sluice reads its settings"
                + " through it. Add one to the application, e.g. " + smallRye() + CONTAINER_INSTEAD, cause);
    }

    private static String smallRye() {
        return "io.smallrye.config:smallrye-config-core:" + version("smallrye-config");
    }

    /** The version this build of Sluice was tested with (filled in by the build), or "<version>". */
    private static String version(String artifact) {
        Properties versions = new Properties();
        try (InputStream in = MicroProfileConfigMissing.class.getResourceAsStream("/dev/sluice/versions.properties")) {
            if (in != null) {
                versions.load(in);
            }
        } catch (IOException unreadable) {
            // the message still names the artifact
        }
        return versions.getProperty(artifact, "<version>");
    }
}
