package dev.sluice.config;

/** How Sluice talks to the nodes of an upstream. */
public enum Scheme {
    HTTP("http", 80),
    HTTPS("https", 443);

    private final String id;
    private final int defaultPort;

    Scheme(String id, int defaultPort) {
        this.id = id;
        this.defaultPort = defaultPort;
    }

    /** The URI scheme name. */
    public String id() {
        return id;
    }

    /** The port implied when a Host header carries none. */
    public int defaultPort() {
        return defaultPort;
    }
}
