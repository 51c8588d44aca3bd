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
 * non-container thread. We reach it by reflection through Tomcat's response facade, found once.
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
        try {
            Field facadeField = field(inner.getClass(), "response");
            facadeField.setAccessible(true);
            Object catalinaResponse = facadeField.get(inner);
            Object coyoteResponse = catalinaResponse.getClass().getMethod("getCoyoteResponse").invoke(catalinaResponse);
            ClassLoader loader = coyoteResponse.getClass().getClassLoader();
            Class<?> actionCode = Class.forName("org.apache.coyote.ActionCode", false, loader);
            Object closeNow = actionCode.getField("CLOSE_NOW").get(null);
            Method action = coyoteResponse.getClass().getMethod("action", actionCode, Object.class);
            // An IOException keeps the status Tomcat logs as it was, as for a client disconnect.
            action.invoke(coyoteResponse, closeNow, new IOException(cause));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot close the client connection on " + inner.getClass().getName()
                    + "; the truncated response ends normally", e);
            return false;
        }
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
