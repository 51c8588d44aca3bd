package dev.sluice.proxy;

import dev.sluice.SluiceFilter;
import dev.sluice.testing.LogCapture;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.logging.Level;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The WAR in Undertow 2.3 (Jakarta EE 10), the servlet container of WildFly. Undertow itself reads
 * no WAR: the test unpacks it, gives it a class loader of its own that looks in the WAR first, as a
 * web application's does, and declares what the WAR's web.xml declares (the filters before Sluice,
 * Sluice, the application's servlet), which WildFly would read for it.
 */
class UndertowContainerTest extends OtherContainerTest {
    private Undertow undertow;
    private DeploymentManager deployment;
    private URLClassLoader loader;
    /**
     * Undertow logs an ERROR (UT005088, a closed channel) when it closes the output of an exchange
     * whose client has already gone, as several tests here make clients do, at a moment no test
     * controls: that line is no sign of a problem.
     */
    private LogCapture clientGone;

    UndertowContainerTest() {
        super("undertow");
    }

    @Override
    @SuppressWarnings("unchecked")
    int startContainer(File war, String context, Path work) throws Exception {
        clientGone = LogCapture.expecting(Level.SEVERE, "UT005088: Failed to execute ServletOutputStream.closeAsync()");
        Path classes = unpack(war, work).resolve("WEB-INF/classes");
        loader = new WebAppLoader(classes.toUri().toURL(), getClass().getClassLoader());
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(loader)
                .setContextPath(context)
                .setDeploymentName(war.getName());
        for (Class<? extends Filter> filter : FIRST_FILTERS) {
            addFilter(info, (Class<? extends Filter>) loader.loadClass(filter.getName()));
        }
        addFilter(info, (Class<? extends Filter>) loader.loadClass(SluiceFilter.class.getName()));
        info.addServlet(Servlets.servlet("app", (Class<? extends Servlet>) loader.loadClass(AppServlet.class.getName())).addMapping("/app/*"));
        deployment = Servlets.newContainer().addDeployment(info);
        deployment.deploy();
        undertow = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true) // cleartext HTTP/2 after an upgrade
                .setHandler(Handlers.path().addPrefixPath(context, deployment.start()))
                .build();
        undertow.start();
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Declared as web.xml declares it: on every path, for requests, asynchronous. */
    private static void addFilter(DeploymentInfo info, Class<? extends Filter> filter) {
        info.addFilter(Servlets.filter(filter.getName(), filter).setAsyncSupported(true))
                .addFilterUrlMapping(filter.getName(), "/*", DispatcherType.REQUEST);
    }

    @Override
    void stopContainer() throws Exception {
        if (undertow != null) {
            undertow.stop();
            undertow = null;
        }
        if (deployment != null) {
            deployment.stop();
            deployment.undeploy();
            deployment = null;
        }
        if (loader != null) {
            loader.close();
            loader = null;
        }
        if (clientGone != null) {
            clientGone.close();
            clientGone = null;
        }
    }

    private static Path unpack(File war, Path into) throws IOException {
        try (ZipFile zip = new ZipFile(war)) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("entry outside the WAR's folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                }
            }
        }
        return into;
    }

    /**
     * The WAR's classes before the parent's, so that the filter is the WAR's copy and finds the
     * WAR's configuration; the Servlet API and the JDK from the parent, as in any container.
     */
    private static final class WebAppLoader extends URLClassLoader {
        WebAppLoader(URL classes, ClassLoader parent) {
            super(new URL[] {classes}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("java.") || name.startsWith("jakarta.servlet.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    try {
                        loaded = findClass(name);
                    } catch (ClassNotFoundException notInTheWar) {
                        return super.loadClass(name, resolve);
                    }
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }

        @Override
        public URL getResource(String name) {
            URL own = findResource(name);
            return own != null ? own : super.getResource(name);
        }
    }
}
