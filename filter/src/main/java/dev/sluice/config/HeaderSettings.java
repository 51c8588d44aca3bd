package dev.sluice.config;

import java.util.List;

/**
 * What an upstream's requests carry besides the client's headers.
 *
 * @param hostMode which Host header goes upstream
 * @param hostRewrite the Host value for {@link HostMode#REWRITE}, otherwise {@code null}
 * @param rules changes to the request headers, removals first
 */
public record HeaderSettings(HostMode hostMode, String hostRewrite, List<HeaderRule> rules) {

    public HeaderSettings {
        rules = List.copyOf(rules);
    }
}
