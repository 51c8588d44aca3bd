package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.RawResponse;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * An upstream that knows nothing of the prefix its route strips: its redirects and cookies reach
 * the client in the route's terms, and its response headers follow the upstream's rules.
 */
class PrefixedUpstreamTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();
    private static final String EXPIRES = "Expires=Wed, 21 Oct 2037 07:28:00 GMT";

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("prefixed", ANSWERS);
        String node = "127.0.0.1:" + origin.port();
        return SluiceDeployment.war("prefixed", """
                sluice.trusted-proxies=10.9.9.9
                sluice.route.shop.path=/shop
                sluice.route.shop.upstream=shop
                sluice.route.shop.strip-prefix=true
                sluice.upstream.shop.nodes=%1$s
                sluice.upstream.shop.cookie.domain=app.internal ->
                sluice.upstream.shop.response-headers.remove=Server, X-Powered-By
                sluice.upstream.shop.response-headers.set.X-Frame-Options=DENY
                sluice.upstream.shop.response-headers.add.Vary=Origin
                sluice.route.kept.path=/kept
                sluice.route.kept.upstream=kept
                sluice.upstream.kept.nodes=%1$s
                sluice.upstream.kept.redirect.map=http://login.internal/ -> https://login.example.com/
                sluice.route.passed.path=/passed
                sluice.route.passed.upstream=passed
                sluice.route.passed.strip-prefix=true
                sluice.upstream.passed.nodes=%1$s
                sluice.upstream.passed.host=pass
                """.formatted(node));
    }

    private static void redirect(String segment, String location) {
        ANSWERS.on(segment, exchange -> exchange.response().status(302, "Found").header("Location", location).send(new byte[0]));
    }

    @Test
    void aRedirectToAPathComesBackUnderTheRoute() throws IOException {
        redirect("to-login", "/login?next=/cart");
        assertEquals(inApplication("/shop/login?next=/cart"), get("/shop/to-login").header("Location"));
    }

    @Test
    void aRedirectNamingTheNodeGetsTheClientsHostAndTheRoute() throws IOException {
        redirect("to-node", "http://127.0.0.1:" + origin.port() + "/page");
        assertEquals("http://localhost:" + port() + inApplication("/shop/page"), get("/shop/to-node").header("Location"));
    }

    @Test
    void aRedirectToAnotherHostIsLeftAlone() throws IOException {
        redirect("to-idp", "https://idp.example.org/authorize?back=/x");
        assertEquals("https://idp.example.org/authorize?back=/x", get("/shop/to-idp").header("Location"));
    }

    @Test
    void aRelativeRedirectIsLeftAlone() throws IOException {
        redirect("to-sibling", "sibling");
        assertEquals("sibling", get("/shop/to-sibling").header("Location"));
    }

    @Test
    void aRouteThatKeepsItsPrefixPassesRedirectsUntouched() throws IOException {
        redirect("kept-login", "/login");
        assertEquals("/login", get("/kept/kept-login").header("Location"));
    }

    @Test
    void aRedirectNamingTheHostSluiceSentIsTheUpstreamsToo() throws IOException {
        ANSWERS.on("to-own-host", exchange -> exchange.response().status(302, "Found")
                .header("Location", "http://" + exchange.request().header("Host") + "/page").send(new byte[0]));
        assertEquals("http://localhost:" + port() + inApplication("/passed/page"), get("/passed/to-own-host").header("Location"));
    }

    @Test
    void aMappedRedirectIsReplacedOnARouteThatKeepsItsPrefix() throws IOException {
        redirect("to-login-service", "http://login.internal/start?app=kept");
        assertEquals("https://login.example.com/start?app=kept", get("/kept/to-login-service").header("Location"));
    }

    @Test
    void contentLocationAndRefreshAreRewrittenToo() throws IOException {
        ANSWERS.on("created", exchange -> exchange.response().status(201, "Created")
                .header("Content-Location", "/items/7").header("Refresh", "3; url=/items").send(new byte[0]));
        RawResponse response = get("/shop/created");
        assertEquals(inApplication("/shop/items/7"), response.header("Content-Location"));
        assertEquals("3; url=" + inApplication("/shop/items"), response.header("Refresh"));
    }

    @Test
    void aClientThatIsNoTrustedProxyCannotChooseTheRedirectsHost() throws IOException {
        redirect("proxied", "http://127.0.0.1:" + origin.port() + "/page");
        // The client's peer is 127.0.0.1, not the trusted 10.9.9.9: its claims are not believed.
        RawResponse response = get("/shop/proxied", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example");
        assertEquals("http://localhost:" + port() + inApplication("/shop/page"), response.header("Location"));
    }

    @Test
    void aClientFollowingTheRedirectReachesTheUpstreamsPage() throws Exception {
        redirect("start", "http://127.0.0.1:" + origin.port() + "/landing");
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "shop/start")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(inApplication("/shop/landing"), response.uri().getPath());
        assertTrue(response.body().contains("target=/landing\n"), response.body());
    }

    @Test
    void severalCookiesKeepEveryByteButTheirPathAndDomain() throws IOException {
        ANSWERS.on("login", exchange -> exchange.response()
                .header("Set-Cookie", "SID=\"q1w2\"; Path=/; Domain=app.internal; HttpOnly")
                .header("Set-Cookie", "pref=dark; " + EXPIRES + "; Path=/account; SameSite=Lax")
                .header("Set-Cookie", "plain=1")
                .send("ok".getBytes(US_ASCII)));
        List<String> cookies = get("/shop/login").headers("Set-Cookie");
        assertEquals(List.of("SID=\"q1w2\"; Path=" + inApplication("/shop") + "; HttpOnly",
                "pref=dark; " + EXPIRES + "; Path=" + inApplication("/shop/account") + "; SameSite=Lax",
                "plain=1"), cookies);
    }

    @Test
    void aBrowserLikeCookieJarSendsTheCookieBackThroughTheRoute() throws Exception {
        ANSWERS.on("sign-in", exchange -> exchange.response()
                .header("Set-Cookie", "SID=s3cr3t; Path=/; Domain=app.internal; HttpOnly")
                .header("Set-Cookie", "pref=dark; " + EXPIRES + "; Path=/account; SameSite=Lax")
                .send("ok".getBytes(US_ASCII)));
        HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .connectTimeout(Duration.ofSeconds(5)).build();
        http.send(HttpRequest.newBuilder(URI.create(base + "shop/sign-in")).build(), HttpResponse.BodyHandlers.discarding());
        origin.clear();
        http.send(HttpRequest.newBuilder(URI.create(base + "shop/account/echo")).build(), HttpResponse.BodyHandlers.discarding());
        String sent = onlyRequestSeen(origin).header("Cookie");
        assertTrue(sent != null && sent.contains("SID=s3cr3t") && sent.contains("pref=dark"), "Cookie: " + sent);
    }

    @Test
    void responseHeaderRulesRemoveSetAndAdd() throws IOException {
        ANSWERS.on("headers", exchange -> exchange.response()
                .header("Server", "origin/1.0").header("X-Powered-By", "PHP").header("X-Frame-Options", "SAMEORIGIN")
                .header("Vary", "Accept").header("X-Kept", "yes").send("ok".getBytes(US_ASCII)));
        RawResponse response = get("/shop/headers");
        assertNull(response.header("X-Powered-By"));
        assertTrue(response.headers("Server").stream().noneMatch(v -> v.contains("origin")), response.toString());
        assertEquals(List.of("DENY"), response.headers("X-Frame-Options"));
        assertEquals(List.of("Accept", "Origin"), response.headers("Vary"));
        assertEquals("yes", response.header("X-Kept"));
        assertEquals("1.1 sluice", response.header("Via"));
    }

    @Test
    void anotherUpstreamsResponsesAreNotTouchedByTheRules() throws IOException {
        ANSWERS.on("kept-headers", exchange -> exchange.response().header("X-Powered-By", "PHP").send(new byte[0]));
        assertEquals("PHP", get("/kept/kept-headers").header("X-Powered-By"));
    }

    static {
        // The page a redirect leads to echoes what the origin received.
        ANSWERS.on("landing", Handlers.echo());
    }
}
