package dev.sluice.rewrite;

/** What a rewriting of the upstream's URLs needs to know of one exchange. */
public interface ClientView {
    /**
     * Whether a URL's host and port name the upstream: one of its nodes, or the Host Sluice sent.
     *
     * @param host the host as written in the URL, IPv6 literals without brackets
     * @param port the port written, or the default of the URL's scheme
     */
    boolean namesUpstream(String host, int port);

    /** The client's {@code scheme://host[:port]}, or {@code null} when the client named no host. */
    String clientOrigin();

    /** The path the upstream's paths sit under for the client (context path and route prefix), or "" for none. */
    String prefix();
}
