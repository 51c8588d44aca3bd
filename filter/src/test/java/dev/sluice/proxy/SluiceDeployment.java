package dev.sluice.proxy;

import dev.sluice.SluiceFilter;

import jakarta.servlet.Filter;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * Builds the WAR a test deploys: the filter declared as a user would declare it, one servlet of
 * the application's own, and the test's Sluice properties. The libraries (HttpClient, Caffeine, MP
 * Config and SmallRye) come from the test class path, which is the embedded Tomcat's parent loader.
 */
final class SluiceDeployment {
    private static final String WEB_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <filter>
                <filter-name>sluice</filter-name>
                <filter-class>dev.sluice.SluiceFilter</filter-class>
                <async-supported>true</async-supported>
              </filter>
              <filter-mapping>
                <filter-name>sluice</filter-name>
                <url-pattern>/*</url-pattern>
              </filter-mapping>
              <servlet>
                <servlet-name>app</servlet-name>
                <servlet-class>dev.sluice.proxy.AppServlet</servlet-class>
              </servlet>
              <servlet-mapping>
                <servlet-name>app</servlet-name>
                <url-pattern>/app/*</url-pattern>
              </servlet-mapping>
            </web-app>
            """;

    /** For Tomcat, which reads it: no JSP servlet (the test class path has no Jasper to load). */
    private static final String CONTEXT_XML = """
            <Context>
              <Listener className="dev.sluice.testing.NoJspServlet"/>
            </Context>
            """;

    private SluiceDeployment() {
    }

    /**
     * Properties for a route {@code /name} to an upstream of the same name.
     *
     * @param nodes the upstream's {@code nodes} value
     * @param upstreamSettings further upstream keys as {@code key=value}, relative to
     *        {@code sluice.upstream.<name>.}
     */
    static String route(String name, String nodes, String... upstreamSettings) {
        StringBuilder config = new StringBuilder()
                .append("sluice.route.").append(name).append(".path=/").append(name).append('\n')
                .append("sluice.route.").append(name).append(".upstream=").append(name).append('\n')
                .append("sluice.upstream.").append(name).append(".nodes=").append(nodes).append('\n');
        for (String setting : upstreamSettings) {
            config.append("sluice.upstream.").append(name).append('.').append(setting).append('\n');
        }
        return config.toString();
    }

    /**
     * @param name the WAR's name, which is also its context path
     * @param properties the content of {@code META-INF/microprofile-config.properties}
     */
    static WebArchive war(String name, String properties) {
        return war(name, properties, WEB_XML);
    }

    /** As {@link #war(String, String)}, with filters of the test's own declared before Sluice, in this order, on every path. */
    @SafeVarargs
    static WebArchive warWithFiltersFirst(String name, String properties, Class<? extends Filter>... first) {
        StringBuilder declarations = new StringBuilder();
        for (Class<? extends Filter> filter : first) {
            declarations.append("""
                      <filter>
                        <filter-name>%1$s</filter-name>
                        <filter-class>%1$s</filter-class>
                        <async-supported>true</async-supported>
                      </filter>
                      <filter-mapping><filter-name>%1$s</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                    """.formatted(filter.getName()));
        }
        int sluice = WEB_XML.indexOf("  <filter>");
        return war(name, properties, WEB_XML.substring(0, sluice) + declarations + WEB_XML.substring(sluice)).addClasses(first);
    }

    /** As {@link #war(String, String)}, with a web.xml of the test's own. */
    static WebArchive war(String name, String properties, String webXml) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
                .addPackages(true, SluiceFilter.class.getPackage())
                .deletePackages(true, "dev.sluice.testing", "dev.sluice.proxy")
                .addClass(AppServlet.class)
                .setWebXML(new StringAsset(webXml))
                .addAsManifestResource(new StringAsset(CONTEXT_XML), "context.xml")
                .addAsResource(new StringAsset(properties), "META-INF/microprofile-config.properties");
    }
}
