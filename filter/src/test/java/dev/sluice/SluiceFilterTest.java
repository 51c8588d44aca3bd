package dev.sluice;

import static org.junit.jupiter.api.Assertions.assertNotSame;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;

import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceFilterTest {

    /**
     * A container or a shared library may provide MicroProfile Config; its resolver keeps a
     * configuration per class loader until it is released, and with it the undeployed
     * application's class loader and everything it loaded.
     */
    @Test
    void stoppingReleasesTheApplicationsConfiguration(@TempDir Path classes) throws Exception {
        Files.createDirectories(classes.resolve("META-INF"));
        Files.writeString(classes.resolve("META-INF/microprofile-config.properties"), """
                sluice.route.a.path=/a
                sluice.route.a.upstream=a
                sluice.upstream.a.nodes=127.0.0.1:9
                """);
        try (URLClassLoader application = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(application);
            Config used;
            try {
                SluiceFilter filter = new SluiceFilter();
                filter.init(filterConfig("/released"));
                used = ConfigProvider.getConfig(application);
                filter.destroy();
            } finally {
                thread.setContextClassLoader(previous);
            }
            assertNotSame(used, ConfigProvider.getConfig(application), "the resolver still holds the stopped application's configuration");
        }
    }

    private static FilterConfig filterConfig(String contextPath) {
        ServletContext context = (ServletContext) Proxy.newProxyInstance(SluiceFilterTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> method.getName().equals("getContextPath") ? contextPath : null);
        return (FilterConfig) Proxy.newProxyInstance(SluiceFilterTest.class.getClassLoader(),
                new Class<?>[] {FilterConfig.class}, (proxy, method, args) -> method.getName().equals("getServletContext") ? context : null);
    }
}
