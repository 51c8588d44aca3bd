package dev.sluice.config;

/**
 * How an upstream picks a node for each request.
 *
 * @param mode the node-picking algorithm
 * @param ipv4HashPrefix for ip-hash, the leading bits of an IPv4 client address that pick the node
 * @param ipv6HashPrefix for ip-hash, the leading bits of an IPv6 client address that pick the node
 */
public record BalanceSettings(BalanceMode mode, int ipv4HashPrefix, int ipv6HashPrefix) {
}
