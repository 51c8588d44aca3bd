package dev.sluice.container;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;

import java.lang.reflect.Method;

/**
 * The container behind a request or response, for the few things the Servlet API leaves out
 * (cutting a connection, knowing a body was consumed), which each container offers its own way.
 * Told by the package of the container's own object beneath any wrappers.
 */
enum ServletContainer {
    JETTY, UNDERTOW, OTHER;

    /** Per class: Undertow's public {@code getExchange()}, on its requests and responses alike. */
    private static final ClassValue<Method> UNDERTOW_EXCHANGE = publicMethod("getExchange");

    /** Per class, looked up once: its public method of this name without parameters, or {@code null}. */
    static ClassValue<Method> publicMethod(String name) {
        return new ClassValue<>() {
            @Override
            protected Method computeValue(Class<?> type) {
                try {
                    return type.getMethod(name);
                } catch (NoSuchMethodException e) {
                    return null;
                }
            }
        };
    }

    /**
     * Told anew each time, from the class's name (which the class keeps): a value cached per class
     * in a {@link ClassValue} would be this enum, held by the container's class and so keeping
     * the application's class loader after an undeploy.
     */
    static ServletContainer of(Object containersOwn) {
        String name = containersOwn.getClass().getName();
        return name.startsWith("org.eclipse.jetty.") ? JETTY : name.startsWith("io.undertow.") ? UNDERTOW : OTHER;
    }

    /** The container's own request beneath the application's wrappers. */
    static ServletRequest unwrap(ServletRequest request) {
        ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        return inner;
    }

    /** The container's own response beneath the application's wrappers. */
    static ServletResponse unwrap(ServletResponse response) {
        ServletResponse inner = response;
        while (inner instanceof ServletResponseWrapper wrapper) {
            inner = wrapper.getResponse();
        }
        return inner;
    }

    /** Undertow's {@code HttpServerExchange} behind its own request or response. */
    static Object undertowExchange(Object containersOwn) throws ReflectiveOperationException {
        Method getExchange = UNDERTOW_EXCHANGE.get(containersOwn.getClass());
        if (getExchange == null) {
            throw new NoSuchMethodException(containersOwn.getClass().getName() + ".getExchange()");
        }
        return getExchange.invoke(containersOwn);
    }
}
