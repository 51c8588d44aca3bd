package dev.sluice.container;

import jakarta.servlet.ServletResponse;

import java.io.Closeable;
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
 * servlet channel's {@code abort}. Undertow has none, but its response hands out the exchange, whose
 * connection closes (what Undertow's own proxy does when an upstream fails mid-answer). All by
 * reflection, so that Sluice needs none of them at build time.
 */
public final class ContainerAbort {
    private static final System.Logger LOG = System.getLogger(ContainerAbort.class.getName());

    private ContainerAbort() {
    }

    /**
     * @return whether the container, having been told of the failure, ends the request itself;
     *         {@code false} when the caller must still complete it: in Undertow, whose connection
     *         is cut but whose request stays open until completed, and on a container where the way
     *         to cut is not known (the client then sees the body cut short only by its length)
     */
    public static boolean closeConnection(ServletResponse response, Exception cause) {
        ServletResponse inner = ServletContainer.unwrap(response);
        // An IOException keeps the status the container logs as it was, as for a client disconnect.
        IOException reason = new IOException(cause);
        try {
            switch (ServletContainer.of(inner)) {
                case JETTY -> {
                    // Jetty ends the request; complete() after it would be ignored.
                    jettyAbort(inner, reason);
                    return true;
                }
                case UNDERTOW -> {
                    undertowClose(ServletContainer.undertowExchange(inner));
                    return false;
                }
                default -> {
                    // Tomcat hands the error to a container thread, which ends the request.
                    tomcatCloseNow(inner, reason);
                    return true;
                }
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
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
    private static void jettyAbort(ServletResponse response, IOException reason) throws ReflectiveOperationException {
        Object servletChannel = response.getClass().getMethod("getServletChannel").invoke(response);
        servletChannel.getClass().getMethod("abort", Throwable.class).invoke(servletChannel, reason);
    }

    /** Undertow's {@code HttpServerExchange.getConnection()}, a {@link Closeable} channel, closed. */
    private static void undertowClose(Object exchange) throws ReflectiveOperationException, IOException {
        Object connection = exchange.getClass().getMethod("getConnection").invoke(exchange);
        ((Closeable) connection).close();
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
