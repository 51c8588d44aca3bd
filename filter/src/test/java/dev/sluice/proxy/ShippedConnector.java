package dev.sluice.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.UpgradeProtocol;
import org.apache.tomcat.util.IntrospectionUtils;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The HTTP connector of {@code tomcat-config/server.xml}, the configuration the example runs with
 * and users copy, applied to an embedded Tomcat's connector the way Tomcat reads it: every
 * attribute but where it listens, and its upgrade protocols. A test run on it checks that
 * configuration, and fails when the file drops what the test relies on.
 */
final class ShippedConnector {
    /** Relative to the filter module, where the tests run. */
    static final Path SERVER_XML = Path.of("..", "tomcat-config", "server.xml");

    /** Where the connector listens is the test's choice; the protocol is given at construction. */
    private static final List<String> NOT_APPLIED = List.of("port", "address", "protocol");

    private ShippedConnector() {
    }

    /** A connector with the shipped connector's settings and upgrade protocols. */
    static Connector create() throws IOException {
        Element shipped = connectorElement();
        Connector connector = new Connector(shipped.getAttribute("protocol"));
        applyAttributes(shipped, connector);
        for (Element upgrade : children(shipped, "UpgradeProtocol")) {
            connector.addUpgradeProtocol(upgradeProtocol(upgrade));
        }
        return connector;
    }

    private static Element connectorElement() throws IOException {
        if (!Files.isRegularFile(SERVER_XML)) {
            throw new IOException("no " + SERVER_XML.toAbsolutePath().normalize() + ": the tests run from the filter module");
        }
        try {
            Element server = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(SERVER_XML.toFile()).getDocumentElement();
            List<Element> connectors = children(children(server, "Service").get(0), "Connector");
            if (connectors.size() != 1) {
                throw new IOException(SERVER_XML + " has " + connectors.size() + " connectors, this reads exactly one");
            }
            return connectors.get(0);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("cannot read " + SERVER_XML, e);
        }
    }

    private static UpgradeProtocol upgradeProtocol(Element element) throws IOException {
        String className = element.getAttribute("className");
        try {
            UpgradeProtocol protocol = (UpgradeProtocol) Class.forName(className).getConstructor().newInstance();
            applyAttributes(element, protocol);
            return protocol;
        } catch (ReflectiveOperationException e) {
            throw new IOException("UpgradeProtocol className=\"" + className + "\" in " + SERVER_XML, e);
        }
    }

    private static void applyAttributes(Element element, Object target) {
        NamedNodeMap attributes = element.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            Node attribute = attributes.item(i);
            String name = attribute.getNodeName();
            if (NOT_APPLIED.contains(name) || "className".equals(name)) {
                continue;
            }
            if (!IntrospectionUtils.setProperty(target, name, attribute.getNodeValue())) {
                throw new IllegalArgumentException(element.getTagName() + " attribute " + name + " in " + SERVER_XML
                        + " is unknown to " + target.getClass().getName());
            }
        }
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && element.getTagName().equals(tag)) {
                found.add(element);
            }
        }
        return found;
    }
}
