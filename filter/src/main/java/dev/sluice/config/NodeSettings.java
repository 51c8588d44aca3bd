package dev.sluice.config;

/**
 * One node of an upstream.
 *
 * @param host a host name or IP literal (IPv6 without brackets), kept as written
 * @param port the TCP port
 * @param weight the share of traffic relative to the other nodes; 0 takes none
 */
public record NodeSettings(String host, int port, int weight) {

    /** The {@code host:port} form used in logs and as the node's identity. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
