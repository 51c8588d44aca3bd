package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawClient;

import java.io.IOException;
import java.util.logging.Level;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A configuration mistake stops the filter's start with a message naming the key; nothing runs half-configured. */
@ExtendWith(ArquillianExtension.class)
class BadConfigurationTest {
    private static final String PORT = System.getProperty("test.tomcat.port");

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = "typo", managed = false, testable = false)
    static WebArchive typo() {
        return SluiceDeployment.war("typo", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9
                sluice.upstream.main.timout=500
                """);
    }

    @Deployment(name = "bad-value", managed = false, testable = false)
    static WebArchive badValue() {
        return SluiceDeployment.war("bad-value", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9 weight=heavy
                """);
    }

    @Deployment(name = "redis-module-missing", managed = false, testable = false)
    static WebArchive redisModuleMissing() {
        return SluiceDeployment.war("redis-module-missing", """
                sluice.route.api.path=/api
                sluice.route.api.upstream=main
                sluice.upstream.main.nodes=127.0.0.1:9
                sluice.upstream.main.rate-limit=100
                sluice.upstream.main.rate-limit.store=redis
                sluice.redis.uri=redis://127.0.0.1:9
                """);
    }

    @Test
    void limitsCountedInRedisWithoutItsModuleFailStartNamingTheArtifact() throws IOException {
        assertStartFails("redis-module-missing", "sluice.upstream.main.rate-limit.store = 'redis' is not allowed:"
                + " the Redis store is not on the class path: add the artifact dev.sluice:sluice-limits-redis");
    }

    @Test
    void unknownKeyFailsStartNamingTheKeyAndTheOneMeant() throws IOException {
        assertStartFails("typo", "sluice.upstream.main.timout = '500' is not allowed: unknown key;"
                + " did you mean sluice.upstream.main.timeout?");
    }

    @Test
    void badValueFailsStartNamingKeyAndValue() throws IOException {
        assertStartFails("bad-value", "sluice.upstream.main.nodes = '127.0.0.1:9 weight=heavy'");
    }

    private void assertStartFails(String deployment, String expectedInMessage) throws IOException {
        try (LogCapture log = LogCapture.start()) {
            try {
                deployer.deploy(deployment);
            } catch (RuntimeException startFailed) {
                // Some adapters report the failed start; the log and the app's state below are what count.
            }
            assertTrue(log.logged(Level.SEVERE, expectedInMessage),
                    "expected an error naming '" + expectedInMessage + "', got " + log.messages());
            assertTrue(log.logged(Level.SEVERE, "Exception starting filter [sluice]"), "the container names the filter: " + log.messages());
            assertTrue(log.logged(Level.SEVERE, "One or more Filters failed to start"), "and refuses the application: " + log.messages());
            assertTrue(log.logged(Level.SEVERE, "startup failed due to previous errors"), "and refuses the application: " + log.messages());
            int status = RawClient.get(Integer.parseInt(PORT), "/" + deployment + "/api/x").status();
            assertNotEquals(200, status, "a half-configured filter must not serve");
            assertNotEquals(502, status, "a half-configured filter must not proxy");
        } finally {
            try {
                deployer.undeploy(deployment);
            } catch (RuntimeException notDeployed) {
                // nothing to undeploy
            }
        }
    }
}
