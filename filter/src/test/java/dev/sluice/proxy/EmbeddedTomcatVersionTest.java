package dev.sluice.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Test;

/**
 * The container tests run twice, in Tomcat 10.1 and in Tomcat 11, by swapping jars on the test
 * class path (filter/pom.xml); this pins that each run really has the Tomcat the build names, so a
 * swap that silently stopped working cannot pass as a second Tomcat tested.
 */
class EmbeddedTomcatVersionTest {
    @Test
    void theEmbeddedTomcatIsTheOneTheBuildNames() {
        String expected = System.getProperty("test.tomcat.version");
        assertNotNull(expected, "test.tomcat.version is set by the build (filter/pom.xml)");
        assertEquals(expected, ServerInfo.getServerNumber().replaceFirst("\\.0$", ""));
    }
}
