package dev.sluice.config;

import dev.sluice.clientip.Cidr;
import dev.sluice.clientip.IpLiterals;

import java.util.List;

/**
 * The status view: a page for browsers, JSON for machines.
 *
 * @param path the path inside the application where it answers, or {@code null} when it is off
 * @param allowed the only client addresses it answers; everyone else's request goes down the
 *        filter chain as if the view did not exist
 */
public record StatusSettings(String path, List<Cidr> allowed) {

    public StatusSettings {
        allowed = List.copyOf(allowed);
    }

    /** Whether a request from this peer address may see the view. */
    public boolean allows(String address) {
        byte[] bytes = IpLiterals.parse(address);
        return bytes != null && allowed.stream().anyMatch(block -> block.contains(bytes));
    }
}
