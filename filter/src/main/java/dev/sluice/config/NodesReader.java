package dev.sluice.config;

import dev.sluice.clientip.IpLiterals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads an upstream's {@code nodes}: {@code host:port}, each optionally with {@code weight=N}. */
final class NodesReader {
    private static final Pattern NODE = Pattern.compile(
            "(?<host>\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(?<port>[0-9]{1,5})(?:\\s+weight=(?<weight>[0-9]+))?");
    private static final String ALLOWED =
            "a comma separated list of host:port, each optionally followed by weight=N (0 to 10000)";

    private NodesReader() {
    }

    static List<NodeSettings> nodes(KeyValues values, String upstream) {
        String key = Keys.NODES.in(upstream);
        String text = values.required(Keys.NODES, upstream,
                "a comma separated list of host:port, each optionally followed by weight=N");
        List<NodeSettings> nodes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String item : text.split(",")) {
            Matcher m = NODE.matcher(item.trim());
            if (!m.matches()) {
                throw new ConfigurationException(key, text, ALLOWED + "; '" + item.trim() + "' is not one");
            }
            String host = m.group("host");
            if (host.startsWith("[")) {
                if (IpLiterals.parse(host) == null) {
                    throw new ConfigurationException(key, text, ALLOWED + "; '" + item.trim() + "' is not an IPv6 address in brackets");
                }
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(m.group("port"));
            int weight = m.group("weight") == null ? 1 : KeyValues.parseOr(m.group("weight"), -1);
            if (port < 1 || port > 65_535 || weight < 0 || weight > 10_000) {
                throw new ConfigurationException(key, text, ALLOWED + "; '" + item.trim() + "' is out of range");
            }
            NodeSettings node = new NodeSettings(host, port, weight);
            if (!seen.add(sameNode(host) + ":" + port)) {
                throw new ConfigurationException(key, text, "each node once; " + node.address() + " appears twice");
            }
            nodes.add(node);
        }
        if (nodes.stream().allMatch(n -> n.weight() == 0)) {
            throw new ConfigurationException(key, text, "at least one node with a weight above 0");
        }
        return nodes;
    }

    /**
     * The host as it identifies a node: an IP literal by its address, whatever its spelling
     * ({@code ::1} and {@code 0:0:0:0:0:0:0:1}), a name without regard to case.
     */
    private static String sameNode(String host) {
        byte[] address = IpLiterals.parse(host);
        return address != null ? HexFormat.of().formatHex(address) : host.toLowerCase(Locale.ROOT);
    }
}
