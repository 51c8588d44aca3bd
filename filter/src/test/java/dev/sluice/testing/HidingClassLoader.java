package dev.sluice.testing;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * A parent class loader for a test's web application that hides some of the test class path's
 * classes and resources, as if the application did not ship them: a deployment can then lack a
 * library the test run itself has.
 */
public final class HidingClassLoader extends ClassLoader {
    private final List<String> hidden;

    /**
     * @param hidden resource path prefixes to hide, e.g. {@code org/eclipse/microprofile/} (a
     *        package's classes) or {@code META-INF/services/org.eclipse.microprofile.} (a service's
     *        providers)
     */
    public HidingClassLoader(ClassLoader parent, String... hidden) {
        super(parent);
        this.hidden = List.of(hidden);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isHidden(name.replace('.', '/'))) {
            throw new ClassNotFoundException(name + " (hidden from the test's application)");
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return isHidden(name) ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return isHidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
    }

    private boolean isHidden(String path) {
        return hidden.stream().anyMatch(path::startsWith);
    }
}
