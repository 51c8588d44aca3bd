package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.OriginBehaviours;
import dev.sluice.testing.TestOrigin;

import java.io.IOException;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/** Behind a trusted proxy, an upstream's redirect names the scheme and host the public client used. */
class PrefixedUpstreamBehindProxyTest extends SluiceInTomcat {
    private static final OriginBehaviours ANSWERS = new OriginBehaviours();

    private static TestOrigin origin;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        origin = origin("behind-proxy", ANSWERS);
        return SluiceDeployment.war("behind-proxy", """
                sluice.trusted-proxies=127.0.0.1/32
                sluice.route.shop.path=/shop
                sluice.route.shop.upstream=shop
                sluice.route.shop.strip-prefix=true
                sluice.upstream.shop.nodes=127.0.0.1:%d
                """.formatted(origin.port()));
    }

    @Test
    void aRedirectNamingTheNodeGetsTheForwardedSchemeAndHost() throws IOException {
        ANSWERS.on("to-node", exchange -> exchange.response().status(303, "See Other")
                .header("Location", "http://127.0.0.1:" + origin.port() + "/page").send(new byte[0]));
        String location = get("/shop/to-node", "X-Forwarded-Proto: https", "X-Forwarded-Host: shop.example.com, edge.internal")
                .header("Location");
        assertEquals("https://shop.example.com" + inApplication("/shop/page"), location);
    }

    @Test
    void withoutForwardingHeadersTheRedirectNamesTheHostTheRequestArrivedWith() throws IOException {
        ANSWERS.on("plain", exchange -> exchange.response().status(302, "Found")
                .header("Location", "http://127.0.0.1:" + origin.port() + "/page").send(new byte[0]));
        assertEquals("http://localhost:" + port() + inApplication("/shop/page"), get("/shop/plain").header("Location"));
    }
}
