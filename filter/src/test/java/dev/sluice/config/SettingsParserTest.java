package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SettingsParserTest {

    private static SluiceSettings parse(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return SettingsParser.parse(map.keySet(), key -> Optional.ofNullable(map.get(key)));
    }

    private static ConfigurationException failure(String... keyValues) {
        return assertThrows(ConfigurationException.class, () -> parse(keyValues));
    }

    /** The header rules of the minimal configuration's upstream with these keys added. */
    private static List<HeaderRule> headerRules(String... keyValues) {
        return parse(minimalWith(keyValues)).upstreams().get("orders").headers().rules();
    }

    private static final String[] MINIMAL = {
        "sluice.route.orders.path", "/api/orders",
        "sluice.route.orders.upstream", "orders",
        "sluice.upstream.orders.nodes", "127.0.0.1:8081",
    };

    private static String[] minimalWith(String... more) {
        String[] all = new String[MINIMAL.length + more.length];
        System.arraycopy(MINIMAL, 0, all, 0, MINIMAL.length);
        System.arraycopy(more, 0, all, MINIMAL.length, more.length);
        return all;
    }

    @Test
    void minimalConfigurationGetsDocumentedDefaults() {
        SluiceSettings settings = parse(MINIMAL);
        UpstreamSettings orders = settings.upstreams().get("orders");
        assertEquals(Scheme.HTTP, orders.scheme());
        assertEquals(BalanceMode.ROUND_ROBIN, orders.balance().mode());
        assertEquals(HostMode.NODE, orders.headers().hostMode());
        assertEquals(Duration.ofSeconds(30), orders.timeouts().response());
        assertEquals(Duration.ofSeconds(5), orders.timeouts().connect());
        assertEquals(1024, orders.pool().maxConnections());
        assertEquals(1024, orders.pool().maxConnectionsPerNode());
        assertEquals(64, orders.pool().maxIdleConnections());
        assertEquals(1024, orders.pool().maxWaiting());
        assertEquals(2048, orders.maxInFlight());
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), 4), orders.pool().ioThreads());
        assertEquals(List.of(new NodeSettings("127.0.0.1", 8081, 1)), orders.nodes());
        RouteSettings route = settings.routes().get(0);
        assertEquals("/api/orders", route.pathPrefix());
        assertFalse(route.stripPrefix());
        assertEquals(65_536, settings.forwarding().requestBufferBytes());
        assertTrue(settings.forwarding().trustedProxies().isEmpty());
    }

    @Test
    void nodesCarryWeightsHostNamesAndIpv6Literals() {
        SluiceSettings settings = parse(minimalWith(
                "sluice.upstream.orders.nodes", "a.internal:8080 weight=5, [::1]:9000, 10.0.0.2:81 weight=0"));
        assertEquals(List.of(
                new NodeSettings("a.internal", 8080, 5),
                new NodeSettings("::1", 9000, 1),
                new NodeSettings("10.0.0.2", 81, 0)), settings.upstreams().get("orders").nodes());
    }

    @Test
    void trailingSlashOfRoutePathIsDropped() {
        assertEquals("/api/orders", parse(minimalWith("sluice.route.orders.path", "/api/orders/")).routes().get(0).pathPrefix());
    }

    @Test
    void unknownKeyIsNamed() {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.timout", "100"));
        assertEquals("sluice.upstream.orders.timout", e.key());
        assertTrue(e.getMessage().contains("unknown key"), e.getMessage());
    }

    @Test
    void unknownUpstreamKeySuggestsTheNearestKnownKey() {
        String message = failure(minimalWith("sluice.upstream.orders.timout", "100")).getMessage();
        assertTrue(message.contains("did you mean sluice.upstream.orders.timeout?"), message);
    }

    @Test
    void unknownRouteKeySuggestsTheNearestKnownKey() {
        String message = failure(minimalWith("sluice.route.orders.strip-prefx", "true")).getMessage();
        assertTrue(message.contains("did you mean sluice.route.orders.strip-prefix?"), message);
    }

    @Test
    void unknownFilterKeySuggestsTheNearestKnownKey() {
        String message = failure(minimalWith("sluice.trusted-proxy", "10.0.0.0/8")).getMessage();
        assertTrue(message.contains("did you mean sluice.trusted-proxies?"), message);
    }

    @Test
    void swappedLettersInALongKeyStillFindIt() {
        String message = failure(minimalWith("sluice.upstream.orders.pool.max-conections", "10")).getMessage();
        assertTrue(message.contains("did you mean sluice.upstream.orders.pool.max-connections?"), message);
    }

    @Test
    void misspeltHeaderRuleKeySuggestsTheRuleWithItsHeaderName() {
        String message = failure(minimalWith("sluice.upstream.orders.request-header.set.X-Tenant", "a")).getMessage();
        assertTrue(message.contains("did you mean sluice.upstream.orders.request-headers.set.X-Tenant?"), message);
    }

    @Test
    void unknownKeyFarFromEveryKnownKeyGetsNoSuggestionButTheKnownKeys() {
        String message = failure(minimalWith("sluice.upstream.orders.colour", "blue")).getMessage();
        assertFalse(message.contains("did you mean"), message);
        assertTrue(message.contains("an upstream accepts balance, connect-timeout,"), message);
    }

    @Test
    @Timeout(10)
    void unknownKeyOfAMegabyteIsRefusedByNameWithoutExhaustingTheHeap() {
        String key = "sluice." + "k".repeat(1 << 20);
        assertEquals(key, failure(minimalWith(key, "1")).key());
    }

    @Test
    @Timeout(10)
    void misspeltHeaderRuleWithAMegabyteHeaderNameIsRefusedQuickly() {
        String key = "sluice.upstream.orders.request-header.set." + "X".repeat(1 << 20);
        assertEquals(key, failure(minimalWith(key, "a")).key());
    }

    @Test
    void unknownRouteKeyListsWhatARouteAccepts() {
        String message = failure(minimalWith("sluice.route.orders.colour", "blue")).getMessage();
        assertTrue(message.endsWith("unknown key; a route accepts path, strip-prefix, upstream"), message);
    }

    @Test
    void negativeMaxWaitingIsNamed() {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.pool.max-waiting", "-1"));
        assertEquals("sluice.upstream.orders.pool.max-waiting", e.key());
    }

    @Test
    void unknownGlobalKeyIsNamed() {
        assertEquals("sluice.trusted-proxy", failure(minimalWith("sluice.trusted-proxy", "10.0.0.0/8")).key());
    }

    @Test
    void badTimeoutNamesKeyValueAndRange() {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.timeout", "soon"));
        assertEquals("sluice.upstream.orders.timeout = 'soon' is not allowed: a whole number of milliseconds from 1 to 2147483647",
                e.getMessage());
    }

    @Test
    void zeroTimeoutIsRefused() {
        assertEquals("sluice.upstream.orders.timeout", failure(minimalWith("sluice.upstream.orders.timeout", "0")).key());
    }

    @Test
    void ioThreadsAreCountedFromOne() {
        assertEquals(12, parse(minimalWith("sluice.upstream.orders.pool.io-threads", "12")).upstreams().get("orders").pool().ioThreads());
        assertEquals("sluice.upstream.orders.pool.io-threads = '0' is not allowed: a whole number of threads from 1 to 256",
                failure(minimalWith("sluice.upstream.orders.pool.io-threads", "0")).getMessage());
    }

    @Test
    void malformedNodeIsNamed() {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.nodes", "127.0.0.1:8081, nohost"));
        assertEquals("sluice.upstream.orders.nodes", e.key());
        assertTrue(e.getMessage().contains("'nohost' is not one"), e.getMessage());
    }

    @Test
    void portOutOfRangeIsRefused() {
        assertEquals("sluice.upstream.orders.nodes", failure(minimalWith("sluice.upstream.orders.nodes", "h:70000")).key());
    }

    @Test
    void duplicateNodeIsRefused() {
        assertTrue(failure(minimalWith("sluice.upstream.orders.nodes", "h:1, h:1 weight=2")).getMessage().contains("appears twice"));
    }

    @Test
    void allZeroWeightsAreRefused() {
        assertEquals("sluice.upstream.orders.nodes", failure(minimalWith("sluice.upstream.orders.nodes", "h:1 weight=0")).key());
    }

    @Test
    void routeToUndefinedUpstreamIsNamed() {
        ConfigurationException e = failure(minimalWith("sluice.route.orders.upstream", "billing"));
        assertEquals("sluice.route.orders.upstream", e.key());
        assertTrue(e.getMessage().contains("defined upstreams: orders"), e.getMessage());
    }

    @Test
    void missingNodesAreNamed() {
        assertEquals("sluice.upstream.billing.nodes", failure(minimalWith("sluice.upstream.billing.scheme", "http")).key());
    }

    @Test
    void unusedUpstreamIsRefused() {
        assertTrue(failure(minimalWith("sluice.upstream.billing.nodes", "h:1")).getMessage().contains("used by no route"));
    }

    @Test
    void noRouteAtAllIsRefused() {
        assertThrows(ConfigurationException.class, () -> parse("sluice.via", "gw"));
    }

    @Test
    void routePathMustBeAPlainPrefix() {
        for (String bad : List.of("api", "/a/../b", "/a//b", "/a%2Fb", "/a?x", "/a b")) {
            assertEquals("sluice.route.orders.path", failure(minimalWith("sluice.route.orders.path", bad)).key(), bad);
        }
    }

    @Test
    void twoRoutesWithOnePathAreRefused() {
        ConfigurationException e = failure(minimalWith(
                "sluice.route.copy.path", "/api/orders", "sluice.route.copy.upstream", "orders"));
        assertTrue(e.getMessage().contains("already has this path"), e.getMessage());
    }

    @Test
    void enumValuesListTheChoices() {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.scheme", "ftp"));
        assertEquals("sluice.upstream.orders.scheme = 'ftp' is not allowed: one of http, https", e.getMessage());
        assertEquals(Scheme.HTTPS, parse(minimalWith("sluice.upstream.orders.scheme", "HTTPS")).upstreams().get("orders").scheme());
    }

    @Test
    void hostRewriteNeedsAValue() {
        assertEquals("sluice.upstream.orders.host.rewrite", failure(minimalWith("sluice.upstream.orders.host", "rewrite")).key());
        assertEquals("api.example.com:8443", parse(minimalWith("sluice.upstream.orders.host", "rewrite",
                "sluice.upstream.orders.host.rewrite", "api.example.com:8443")).upstreams().get("orders").headers().hostRewrite());
    }

    @Test
    void hostRewriteWithoutRewriteModeIsRefused() {
        assertEquals("sluice.upstream.orders.host.rewrite",
                failure(minimalWith("sluice.upstream.orders.host.rewrite", "x.example")).key());
    }

    @Test
    void hostRewriteRefusesHeaderInjection() {
        assertEquals("sluice.upstream.orders.host.rewrite", failure(minimalWith("sluice.upstream.orders.host", "rewrite",
                "sluice.upstream.orders.host.rewrite", "a.example\r\nX-Evil: 1")).key());
    }

    @Test
    void badTrustedProxyIsNamed() {
        ConfigurationException e = failure(minimalWith("sluice.trusted-proxies", "10.0.0.0/8, 300.1.1.1"));
        assertEquals("sluice.trusted-proxies", e.key());
    }

    @Test
    void booleanMustBeTrueOrFalse() {
        assertEquals("sluice.route.orders.strip-prefix", failure(minimalWith("sluice.route.orders.strip-prefix", "yes")).key());
    }

    @Test
    void keysOutsideTheSluicePrefixAreIgnored() {
        assertEquals(1, parse(minimalWith("other.library.key", "x")).routes().size());
    }

    @Test
    void headerRulesAreParsedInOrderRemoveFirst() {
        assertEquals(List.of(
                new HeaderRule(HeaderRule.Action.REMOVE, "Cookie", null),
                new HeaderRule(HeaderRule.Action.REMOVE, "X-Debug", null),
                new HeaderRule(HeaderRule.Action.SET, "X-Api-Key", "secret")), headerRules(
                "sluice.upstream.orders.request-headers.set.X-Api-Key", "secret",
                "sluice.upstream.orders.request-headers.remove", "Cookie, X-Debug"));
    }

    @Test
    void setRulesComeBeforeAddRulesWhateverTheOrderOfTheKeys() {
        assertEquals(List.of(
                new HeaderRule(HeaderRule.Action.SET, "X-Tag", "a"),
                new HeaderRule(HeaderRule.Action.ADD, "X-Tag", "b")), headerRules(
                "sluice.upstream.orders.request-headers.add.X-Tag", "b",
                "sluice.upstream.orders.request-headers.set.X-Tag", "a"));
    }

    @Test
    void theSameConfigurationListedInAnotherOrderGivesEqualSettings() {
        Map<String, String> config = Map.of(
                "sluice.route.orders.path", "/api/orders",
                "sluice.route.orders.upstream", "orders",
                "sluice.route.users.path", "/api/users",
                "sluice.route.users.upstream", "orders",
                "sluice.upstream.orders.nodes", "127.0.0.1:8081, 127.0.0.1:8082",
                "sluice.upstream.orders.request-headers.set.X-One", "1",
                "sluice.upstream.orders.request-headers.set.X-Two", "2",
                "sluice.upstream.orders.health.failure-statuses", "502, 504",
                "sluice.trusted-proxies", "10.0.0.0/8, fd00::/8",
                "sluice.status.path", "/_sluice");
        List<String> names = List.copyOf(config.keySet());
        List<String> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        SluiceSettings first = SettingsParser.parse(names, key -> Optional.ofNullable(config.get(key)));
        SluiceSettings second = SettingsParser.parse(reversed, key -> Optional.ofNullable(config.get(key)));
        assertEquals(first, second);
        assertEquals(first.hashCode(), second.hashCode());
    }

    @Test
    void aChangedTrustedProxyMakesTheSettingsDiffer() {
        assertFalse(parse(minimalWith("sluice.trusted-proxies", "10.0.0.0/8"))
                .equals(parse(minimalWith("sluice.trusted-proxies", "10.0.0.0/16"))));
    }

    @Test
    void hopByHopAndFramingHeadersCannotBeForced() {
        for (String name : List.of("Connection", "Transfer-Encoding", "Content-Length", "Host", "Proxy-Authorization")) {
            String key = "sluice.upstream.orders.request-headers.set." + name;
            assertEquals(key, failure(minimalWith(key, "x")).key(), name);
        }
    }

    private static ResponseSettings response(String... keyValues) {
        return parse(minimalWith(keyValues)).upstreams().get("orders").response();
    }

    @Test
    void responseHeaderRulesAreParsedAsTheRequestRulesAre() {
        assertEquals(List.of(
                new HeaderRule(HeaderRule.Action.REMOVE, "Server", null),
                new HeaderRule(HeaderRule.Action.SET, "X-Frame-Options", "DENY"),
                new HeaderRule(HeaderRule.Action.ADD, "Vary", "Origin")), response(
                "sluice.upstream.orders.response-headers.add.Vary", "Origin",
                "sluice.upstream.orders.response-headers.set.X-Frame-Options", "DENY",
                "sluice.upstream.orders.response-headers.remove", "Server").rules());
    }

    @Test
    void hopByHopAndFramingResponseHeadersCannotBeChanged() {
        for (String name : List.of("Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Proxy-Authenticate")) {
            String key = "sluice.upstream.orders.response-headers.set." + name;
            assertEquals(key, failure(minimalWith(key, "x")).key(), name);
        }
        assertEquals("sluice.upstream.orders.response-headers.remove",
                failure(minimalWith("sluice.upstream.orders.response-headers.remove", "Server, transfer-encoding")).key());
    }

    @Test
    void responseHeaderValueWithControlCharactersIsRefused() {
        String key = "sluice.upstream.orders.response-headers.add.X-Note";
        assertEquals(key, failure(minimalWith(key, "a\nb")).key());
    }

    @Test
    void redirectsAreRewrittenAutomaticallyAndNothingElseByDefault() {
        ResponseSettings response = response();
        assertEquals(RedirectMode.AUTO, response.redirect());
        assertTrue(response.appliesTo(true));
        assertFalse(response.appliesTo(false), "a route that keeps its prefix passes responses untouched");
    }

    @Test
    void redirectMapAndCookieDomainsAreReadAsPairs() {
        ResponseSettings response = response(
                "sluice.upstream.orders.redirect.map", "https://login.internal/ -> https://login.example.com/, http://a:1 -> /",
                "sluice.upstream.orders.cookie.domain", "app.internal -> example.com, intranet ->");
        assertEquals(List.of(new Replacement("https://login.internal/", "https://login.example.com/"), new Replacement("http://a:1", "/")),
                response.redirectMap());
        assertEquals(List.of(new Replacement("app.internal", "example.com"), new Replacement("intranet", "")), response.cookieDomains());
    }

    @Test
    void aPairWithoutArrowOrWithSpacesInsideIsNamed() {
        for (String bad : List.of("app.internal", "-> example.com", "a b -> c", "a -> b -> c")) {
            ConfigurationException e = failure(minimalWith("sluice.upstream.orders.cookie.domain", bad));
            assertEquals("sluice.upstream.orders.cookie.domain", e.key(), bad);
        }
    }

    @Test
    void redirectRewriteTakesItsChoices() {
        assertEquals(RedirectMode.OFF, response("sluice.upstream.orders.redirect.rewrite", "off").redirect());
        assertEquals("sluice.upstream.orders.redirect.rewrite",
                failure(minimalWith("sluice.upstream.orders.redirect.rewrite", "default")).key());
    }

    @Test
    void headerValueWithControlCharactersIsRefused() {
        String key = "sluice.upstream.orders.request-headers.add.X-Tag";
        assertEquals(key, failure(minimalWith(key, "a\r\nX-Evil: 1")).key());
    }

    @Test
    void invalidHeaderNameIsRefused() {
        assertEquals("sluice.upstream.orders.request-headers.remove",
                failure(minimalWith("sluice.upstream.orders.request-headers.remove", "Bad Name")).key());
    }

    @Test
    void rateLimitBurstDefaultsToTheRate() {
        UpstreamSettings orders = parse(minimalWith("sluice.upstream.orders.rate-limit", "50",
                "sluice.upstream.orders.rate-limit.per-client", "5")).upstreams().get("orders");
        assertEquals(new RateLimitSettings(50, 50, 0), orders.limits().upstreamWide());
        assertEquals(new RateLimitSettings(5, 5, 100_000), orders.limits().perClient());
    }

    @Test
    void burstWithoutRateIsRefused() {
        assertEquals("sluice.upstream.orders.rate-limit.burst",
                failure(minimalWith("sluice.upstream.orders.rate-limit.burst", "5")).key());
    }

    @Test
    void retriesDefaultToTheOtherNodes() {
        assertEquals(2, parse(minimalWith("sluice.upstream.orders.nodes", "a:1, b:1, c:1, d:1 weight=0"))
                .upstreams().get("orders").retry().retries());
    }

    @Test
    void tlsKeysNeedHttps() {
        assertEquals("sluice.upstream.orders.tls.insecure", failure(minimalWith("sluice.upstream.orders.tls.insecure", "true")).key());
    }

    @Test
    void trustStorePathWithANulCharacterIsNamed() {
        assertEquals("sluice.upstream.orders.tls.trust-store", failure(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store", "/etc/ca\u0000.pem")).key());
    }

    @Test
    void missingTrustStoreFileIsNamed() {
        assertEquals("sluice.upstream.orders.tls.trust-store", failure(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store", "/nonexistent/ca.pem")).key());
    }

    @Test
    void healthDefaultsAndChecks() {
        HealthSettings health = parse(minimalWith("sluice.upstream.orders.health.check.path", "/health",
                "sluice.upstream.orders.health.check.statuses", "200-204")).upstreams().get("orders").health();
        assertEquals(3, health.maxFails());
        assertEquals(Duration.ofSeconds(10), health.ejection());
        assertEquals(new ActiveCheckSettings("/health", Duration.ofSeconds(5), Duration.ofSeconds(2), 200, 204, 2, 3),
                health.activeCheck());
    }

    @Test
    void checkSettingsWithoutPathAreRefused() {
        assertEquals("sluice.upstream.orders.health.check.interval",
                failure(minimalWith("sluice.upstream.orders.health.check.interval", "100")).key());
    }

    @Test
    void failureStatusesMustBe5xx() {
        assertEquals("sluice.upstream.orders.health.failure-statuses",
                failure(minimalWith("sluice.upstream.orders.health.failure-statuses", "502, 404")).key());
    }

    @Test
    void statusViewIsOffByDefaultAndLoopbackOnlyWhenOn() {
        assertEquals(null, parse(MINIMAL).forwarding().status().path());
        StatusSettings status = parse(minimalWith("sluice.status.path", "/_sluice")).forwarding().status();
        assertTrue(status.allows("127.0.0.1"));
        assertFalse(status.allows("10.0.0.1"));
    }

    @Test
    void responseBufferIsAQuarterMebibyteByDefaultAndBounded() {
        assertEquals(256 * 1024, parse(MINIMAL).upstreams().get("orders").responseBuffer());
        assertEquals(1 << 20, parse(minimalWith("sluice.upstream.orders.response-buffer", "1048576"))
                .upstreams().get("orders").responseBuffer());
        ConfigurationException tooSmall = failure(minimalWith("sluice.upstream.orders.response-buffer", "4096"));
        assertEquals("sluice.upstream.orders.response-buffer", tooSmall.key());
    }

    @Test
    void readBufferIs32KibByDefaultAndBounded() {
        assertEquals(32 * 1024, parse(MINIMAL).upstreams().get("orders").pool().readBuffer());
        assertEquals(8192, parse(minimalWith("sluice.upstream.orders.pool.read-buffer", "8192"))
                .upstreams().get("orders").pool().readBuffer());
        assertEquals("sluice.upstream.orders.pool.read-buffer = '512' is not allowed: a whole number of bytes from 1024 to 1048576",
                failure(minimalWith("sluice.upstream.orders.pool.read-buffer", "512")).getMessage());
    }

    @Test
    void reloadIntervalIsOffByDefaultAndInMilliseconds() {
        assertEquals(null, parse(MINIMAL).reloadInterval());
        assertEquals(Duration.ofSeconds(30), parse(minimalWith("sluice.reload-interval", "30000")).reloadInterval());
        assertEquals(null, parse(minimalWith("sluice.reload-interval", "0")).reloadInterval());
    }

    @Test
    void reloadIntervalBelowATenthOfASecondIsRefused() {
        ConfigurationException e = failure(minimalWith("sluice.reload-interval", "10"));
        assertEquals("sluice.reload-interval", e.key());
        assertTrue(e.getMessage().contains("at least 100 milliseconds"), e.getMessage());
    }

    @Test
    void aTrustStoreRewrittenUnderTheSameNameMakesTheSettingsDiffer(@TempDir Path folder) throws IOException {
        Path store = folder.resolve("ca.pem");
        String[] https = minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store", store.toString());
        Files.copy(resource("a.pem"), store);
        SluiceSettings before = parse(https);
        assertEquals(before, parse(https), "the same content");
        Files.copy(resource("b.pem"), store, StandardCopyOption.REPLACE_EXISTING);
        assertFalse(before.equals(parse(https)), "a reload must build the upstream with the new store");
    }

    @Test
    void aTrustStoreThatHoldsNoCertificateIsNamed(@TempDir Path folder) throws IOException {
        Path store = Files.writeString(folder.resolve("ca.pem"), "not a certificate");
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store", store.toString()));
        assertEquals("sluice.upstream.orders.tls.trust-store", e.key());
        assertTrue(e.getMessage().contains("a PEM file of certificates"), e.getMessage());
    }

    @Test
    void aKeyStoreWithAWrongPasswordIsNamed() throws IOException {
        ConfigurationException e = failure(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.key-store", resource("a.p12").toString(),
                "sluice.upstream.orders.tls.key-store.password", "wrong"));
        assertEquals("sluice.upstream.orders.tls.key-store", e.key());
    }

    @Test
    void readableStoresAreTaken() throws IOException {
        TlsSettings tls = parse(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store", resource("a.pem").toString(),
                "sluice.upstream.orders.tls.key-store", resource("a.p12").toString(),
                "sluice.upstream.orders.tls.key-store.password", "changeit")).upstreams().get("orders").tls();
        assertEquals(resource("a.p12"), tls.keyStore());
    }

    @Test
    void aStorePasswordWithoutItsStoreIsRefused() {
        assertEquals("sluice.upstream.orders.tls.trust-store.password", failure(minimalWith("sluice.upstream.orders.scheme", "https",
                "sluice.upstream.orders.tls.trust-store.password", "secret")).key());
    }

    @Test
    void aStorePasswordOnPlainHttpIsRefused() {
        assertEquals("sluice.upstream.orders.tls.key-store.password",
                failure(minimalWith("sluice.upstream.orders.tls.key-store.password", "secret")).key());
    }

    @Test
    void maxClientsWithoutAPerClientLimitIsRefused() {
        assertEquals("sluice.upstream.orders.rate-limit.per-client.max-clients",
                failure(minimalWith("sluice.upstream.orders.rate-limit.per-client.max-clients", "10")).key());
    }

    @Test
    void ratesBeyondWhatTheLimiterCountsExactlyAreRefused() {
        assertEquals(10_000_000, parse(minimalWith("sluice.upstream.orders.rate-limit", "10000000"))
                .upstreams().get("orders").limits().upstreamWide().rate());
        assertEquals("sluice.upstream.orders.rate-limit", failure(minimalWith("sluice.upstream.orders.rate-limit", "10000001")).key());
    }

    @Test
    void aRoutePathWithAWildcardIsRefused() {
        ConfigurationException e = failure(minimalWith("sluice.route.orders.path", "/api/orders/*"));
        assertEquals("sluice.route.orders.path", e.key());
        assertTrue(e.getMessage().contains("not /api/*"), e.getMessage());
    }

    @Test
    void aBracketedNodeThatIsNoIpv6AddressIsRefused() {
        assertEquals("sluice.upstream.orders.nodes", failure(minimalWith("sluice.upstream.orders.nodes", "[:::::]:8080")).key());
    }

    @Test
    void aNodeListedTwiceInAnotherSpellingIsRefused() {
        assertEquals("sluice.upstream.orders.nodes", failure(minimalWith("sluice.upstream.orders.nodes", "[::1]:80, [0:0:0:0:0:0:0:1]:80")).key());
        assertEquals("sluice.upstream.orders.nodes", failure(minimalWith("sluice.upstream.orders.nodes", "a.internal:80, A.Internal:80")).key());
    }

    private static Path resource(String name) {
        try {
            return Path.of(SettingsParserTest.class.getResource("/tls/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sharedLimitsAreCountedWhereTheUpstreamSays() {
        SluiceSettings settings = parse(minimalWith("sluice.redis.uri", "redis://:pw@127.0.0.1:6390",
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.store", "redis",
                "sluice.upstream.orders.rate-limit.fallback", "fail-closed"));
        CallLimitSettings limits = settings.upstreams().get("orders").limits();
        assertEquals(LimitStore.REDIS, limits.store());
        assertEquals(LimitFallback.FAIL_CLOSED, limits.fallback());
        assertEquals(Duration.ofMillis(5), settings.redis().timeout());
        assertEquals("redis://***@127.0.0.1:6390", settings.redis().redactedUri());
    }

    @Test
    void limitsAreCountedLocallyByDefault() {
        SluiceSettings settings = parse(minimalWith("sluice.upstream.orders.rate-limit", "50"));
        assertEquals(LimitStore.LOCAL, settings.upstreams().get("orders").limits().store());
        assertEquals(null, settings.redis());
    }

    @Test
    void anUnknownStoreOrFallbackNamesItsKey() {
        assertEquals("sluice.upstream.orders.rate-limit.store", failure(minimalWith("sluice.redis.uri", "redis://localhost:6379",
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.store", "memcached")).key());
        assertEquals("sluice.upstream.orders.rate-limit.fallback", failure(minimalWith("sluice.redis.uri", "redis://localhost:6379",
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.store", "redis",
                "sluice.upstream.orders.rate-limit.fallback", "open")).key());
    }

    @Test
    void aSharedStoreNeedsARedisAndALimit() {
        assertEquals("sluice.upstream.orders.rate-limit.store", failure(minimalWith(
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.store", "redis")).key());
        assertEquals("sluice.upstream.orders.rate-limit.store", failure(minimalWith("sluice.redis.uri", "redis://localhost:6379",
                "sluice.upstream.orders.rate-limit.store", "redis")).key());
        assertEquals("sluice.upstream.orders.rate-limit.fallback", failure(minimalWith(
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.fallback", "fail-open")).key());
    }

    @Test
    void aBadRedisUriNamesItsKeyWithoutThePassword() {
        ConfigurationException e = failure(minimalWith("sluice.redis.uri", "http://:secret@localhost:6379",
                "sluice.upstream.orders.rate-limit", "50", "sluice.upstream.orders.rate-limit.store", "redis"));
        assertEquals("sluice.redis.uri", e.key());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void everyRedisUriFormIsAccepted() {
        for (String uri : List.of("redis://localhost", "rediss://:pw@redis.internal:6380/2", "redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/0#mymaster",
                "redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002", "rediss-cluster://:pw@c.internal:7000")) {
            assertEquals(uri, parse(minimalWith("sluice.redis.uri", uri, "sluice.upstream.orders.rate-limit", "50",
                    "sluice.upstream.orders.rate-limit.store", "redis")).redis().uri());
        }
    }
}
