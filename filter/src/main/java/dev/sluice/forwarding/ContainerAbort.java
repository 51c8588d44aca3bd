package dev.sluice.forwarding;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Closes the client's connection at once, for an upstream that failed after the response was
 * committed: completing normally would end a chunked body with its last-chunk marker and leave a
 * Content-Length body hanging, and either way a truncated body could look whole.
 *
 * <p>The Servlet API has no such abort (servlet-spec issue 98 asked for one). Tomcat has it inside:
 * its coyote response's {@code CLOSE_NOW} action, the same one Tomcat uses when a write fails on a
 * non-container thread, reached through its response facade. Jetty 12 has it in public view: the
 * servlet channel's {@code abort}. Both by reflection, so that Sluice needs neither at build time.
 */
final class ContainerAbort {
    private static final System.Logger LOG = System.getLogger(ContainerAbort.class.getName());

    private ContainerAbort() {
    }

    /**
     * @return whether the connection is being closed; {@code false} on a container where the way
     *         is not known (the caller then completes the response and the client sees it cut short
     *         only by its length)
     */
    static boolean closeConnection(ServletResponse response, Exception cause) {
        ServletResponse inner = response;
        while (inner instanceof ServletResponseWrapper wrapper) {
            inner = wrapper.getResponse();
        }
        // An IOException keeps the status the container logs as it was, as for a client disconnect.
        IOException reason = new IOException(cause);
        try {
            Method servletChannel = publicMethod(inner, "getServletChannel");
            if (servletChannel != null) {
                jettyAbort(servletChannel.invoke(inner), reason);
            } else {
                tomcatCloseNow(inner, reason);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot close the client connection on " + inner.getClass().getName()
                    + "; the truncated response ends normally", e);
            return false;
        }
    }

    private static void tomcatCloseNow(ServletResponse facade, IOException reason) throws ReflectiveOperationException {
        Field facadeField = field(facade.getClass(), "response");
        facadeField.setAccessible(true);
        Object catalinaResponse = facadeField.get(facade);
        Object coyoteResponse = catalinaResponse.getClass().getMethod("getCoyoteResponse").invoke(catalinaResponse);
        ClassLoader loader = coyoteResponse.getClass().getClassLoader();
        Class<?> actionCode = Class.forName("org.apache.coyote.ActionCode", false, loader);
        Object closeNow = actionCode.getField("CLOSE_NOW").get(null);
        Method action = coyoteResponse.getClass().getMethod("action", actionCode, Object.class);
        action.invoke(coyoteResponse, closeNow, reason);
    }

    /** Jetty 12's {@code ServletApiResponse.getServletChannel().abort(Throwable)}: fails the response and closes the connection. */
    private static void jettyAbort(Object servletChannel, IOException reason) throws ReflectiveOperationException {
        servletChannel.getClass().getMethod("abort", Throwable.class).invoke(servletChannel, reason);
    }

    /** The target's public method of that name without parameters, or {@code null}. */
    private static Method publicMethod(Object target, String name) {
        for (Method method : target.getClass().getMethods()) {
            if (method.getName().equals(name) && method.getParameterCount() == 0) {
                return method;
            }
        }
        return null;
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // look further up
            }
        }
        throw new NoSuchFieldException(name);
    }
}
