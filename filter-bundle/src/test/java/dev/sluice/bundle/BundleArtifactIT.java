package dev.sluice.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The one-JAR artifact as a user receives it: the JAR this module built and the POM it publishes
 * with it. One dependency on it must give one Sluice JAR and no second, unshaded copy of the
 * libraries inside.
 */
class BundleArtifactIT {
    private static final List<String> SHADED_ARTIFACTS = List.of("httpclient5", "httpcore5", "httpcore5-h2", "caffeine", "slf4j-api", "slf4j-jdk14");
    private static final List<String> MOVED_PACKAGES = List.of("org/apache/hc/", "com/github/benmanes/caffeine/", "org/slf4j/");

    private final File jar = new File(System.getProperty("bundle.jar"));
    private final File pom = new File(System.getProperty("bundle.pom"));

    @Test
    void publishedPomListsNoLibraryTheJarHolds() throws Exception {
        List<String> dependencies = dependencies();
        for (String artifact : SHADED_ARTIFACTS) {
            assertTrue(dependencies.stream().noneMatch(d -> d.contains(":" + artifact + ":")),
                    "the POM lists " + artifact + ", which the JAR holds: " + dependencies);
        }
        assertTrue(dependencies.stream().noneMatch(d -> d.startsWith("dev.sluice:")), "the POM lists a second Sluice JAR: " + dependencies);
    }

    @Test
    void publishedPomBringsNothingAtRunTime() throws Exception {
        List<String> dependencies = dependencies();
        assertTrue(dependencies.stream().allMatch(d -> d.endsWith(":provided") || d.endsWith(":test")),
                "only what the user brings, as provided: " + dependencies);
        assertTrue(dependencies.stream().anyMatch(d -> d.startsWith("org.eclipse.microprofile.config:microprofile-config-api:")),
                "the POM names the MicroProfile Config API the user brings: " + dependencies);
    }

    @Test
    void jarHoldsTheLibrariesOnlyUnderSluicePackage() throws IOException {
        List<String> unmoved = new ArrayList<>();
        try (JarFile file = new JarFile(jar)) {
            file.stream().map(ZipEntry::getName)
                    .filter(name -> MOVED_PACKAGES.stream().anyMatch(name::startsWith))
                    .forEach(unmoved::add);
            assertNotNull(file.getEntry("dev/sluice/SluiceFilter.class"), "the filter itself");
            assertNotNull(file.getEntry("dev/sluice/shaded/hc/client5/http/async/HttpAsyncClient.class"), "HttpClient, moved");
            assertNotNull(file.getEntry("dev/sluice/shaded/caffeine/cache/Caffeine.class"), "Caffeine, moved");
        }
        assertEquals(List.of(), unmoved, "entries left at their libraries' own names");
    }

    /** Micrometer is the application's: neither inside the JAR nor moved, so Sluice's meters land in the application's registry. */
    @Test
    void jarLeavesMicrometerToTheApplication() throws IOException {
        assertLeftToTheApplication("micrometer/", "dev/sluice/metrics/MicrometerMeters.class",
                "io/micrometer/core/instrument/MeterRegistry");
    }

    /** The OpenTelemetry API is the application's too: its global instance and context are the ones Sluice must see. */
    @Test
    void jarLeavesOpenTelemetryToTheApplication() throws IOException {
        assertLeftToTheApplication("opentelemetry/", "dev/sluice/tracing/OpenTelemetryTracing.class",
                "io/opentelemetry/api/GlobalOpenTelemetry", "io/opentelemetry/context/Context");
    }

    /**
     * No entry of the library inside, moved or not, and Sluice's class that uses it names its
     * classes under their own names.
     */
    private void assertLeftToTheApplication(String library, String user, String... referenced) throws IOException {
        try (JarFile file = new JarFile(jar)) {
            assertTrue(file.stream().map(ZipEntry::getName).noneMatch(name -> name.contains(library)),
                    "no class of " + library + " inside, moved or not");
            ZipEntry entry = file.getEntry(user);
            assertNotNull(entry, user);
            try (InputStream in = file.getInputStream(entry)) {
                String classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                for (String name : referenced) {
                    assertTrue(classFile.contains(name), user + " uses " + name + " under its own name");
                }
            }
        }
    }

    @Test
    void movedSlf4jFindsTheMovedJdkLoggingProvider() throws IOException {
        try (JarFile file = new JarFile(jar)) {
            ZipEntry services = file.getEntry("META-INF/services/dev.sluice.shaded.slf4j.spi.SLF4JServiceProvider");
            assertNotNull(services, "the moved SLF4J looks its provider up under its moved name");
            try (InputStream in = file.getInputStream(services)) {
                assertEquals("dev.sluice.shaded.slf4j.jul.JULServiceProvider", new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            }
            assertNotNull(file.getEntry("dev/sluice/shaded/slf4j/jul/JULServiceProvider.class"));
        }
    }

    @Test
    void manifestNamesTheModule() throws IOException {
        try (JarFile file = new JarFile(jar)) {
            assertEquals("dev.sluice.filter", file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
        }
    }

    /** Each dependency of the POM as groupId:artifactId:scope. */
    private List<String> dependencies() throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom);
        List<String> found = new ArrayList<>();
        NodeList nodes = document.getElementsByTagName("dependency");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element dependency = (Element) nodes.item(i);
            if (!"dependencies".equals(dependency.getParentNode().getNodeName())
                    || !"project".equals(dependency.getParentNode().getParentNode().getNodeName())) {
                continue; // dependencyManagement or a plugin's: not what a user receives
            }
            String scope = child(dependency, "scope");
            found.add(child(dependency, "groupId") + ":" + child(dependency, "artifactId") + ":" + (scope == null ? "compile" : scope));
        }
        return found;
    }

    private static String child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (name.equals(node.getNodeName())) {
                return node.getTextContent().strip();
            }
        }
        return null;
    }
}
