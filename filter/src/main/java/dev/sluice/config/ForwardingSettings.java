package dev.sluice.config;

import dev.sluice.clientip.TrustedProxies;

/**
 * Settings shared by every route.
 *
 * @param trustedProxies the peers whose forwarding headers are believed
 * @param forwardedHeader whether an RFC 7239 {@code Forwarded} header is sent as well
 * @param viaPseudonym the name this proxy gives itself in {@code Via}
 * @param requestBufferBytes request bodies up to this size are read whole before the upstream is
 *        called (one hand-off, and the body can be replayed); larger ones stream with this much in flight
 * @param observability the access log, metrics and request ids
 */
public record ForwardingSettings(
        TrustedProxies trustedProxies,
        boolean forwardedHeader,
        String viaPseudonym,
        int requestBufferBytes,
        StatusSettings status,
        ObservabilitySettings observability) {
}
