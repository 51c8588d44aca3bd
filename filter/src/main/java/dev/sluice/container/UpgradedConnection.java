package dev.sluice.container;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.WebConnection;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * What the Servlet API leaves out of an upgraded connection. {@link WebConnection#close()} in
 * Tomcat only marks its streams closed; the socket closes at the container's next event on it,
 * which may never come (a client waiting for the server's close). Tomcat's output stream holds
 * its socket wrapper, whose {@code close()} ends the connection and whose
 * {@code hasDataToWrite()} tells whether written bytes are still in the container's buffer. By
 * reflection, so Sluice needs no Tomcat class at build time.
 */
public final class UpgradedConnection {
    private static final System.Logger LOG = System.getLogger(UpgradedConnection.class.getName());
    private UpgradedConnection() {
    }

    /**
     * Whether upgraded connections of this request's container are known to work with Sluice's
     * tunnels (Tomcat); {@code null} when they are, else the container's name for the refusal.
     */
    public static String unsupported(ServletRequest request) {
        Object inner = ServletContainer.unwrap(request);
        String name = inner.getClass().getName();
        return name.startsWith("org.apache.catalina.") ? null
                : ServletContainer.of(inner) == ServletContainer.JETTY ? "Jetty"
                : ServletContainer.of(inner) == ServletContainer.UNDERTOW ? "Undertow" : name;
    }

    /** Whether bytes written to the stream still wait in the container's buffer. */
    public static boolean hasDataToWrite(ServletOutputStream out) {
        Object wrapper = socketWrapper(out);
        if (wrapper == null) {
            return false;
        }
        try {
            Method method = wrapper.getClass().getMethod("hasDataToWrite");
            return (Boolean) method.invoke(wrapper);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Has the container call the input's {@code onDataAvailable} again, on a container thread,
     * when bytes are there: for a reader that stopped while bytes were ready (its queue was
     * full), which the container would otherwise never call again.
     *
     * @return whether the dispatch was asked for
     */
    public static boolean dispatchRead(ServletInputStream in) {
        return dispatch(in, "OPEN_READ");
    }

    /**
     * Has the container flush what it holds and call the output's {@code onWritePossible}, on a
     * container thread: for bytes that came from another thread.
     *
     * @return whether the dispatch was asked for
     */
    public static boolean dispatchWrite(ServletOutputStream out) {
        return dispatch(out, "OPEN_WRITE");
    }

    /**
     * Tomcat reads and writes an upgraded connection safely only on its own threads, serialised
     * per socket (a read from another thread races them; a write from another thread can leave
     * bytes in its buffer with no {@code onWritePossible} to come). Its socket wrapper's
     * {@code processSocket(event, true)} is the way its own code asks for such a dispatch.
     */
    private static boolean dispatch(Object stream, String event) {
        Object wrapper = socketWrapper(stream);
        if (wrapper == null) {
            return false;
        }
        try {
            for (Method method : wrapper.getClass().getMethods()) {
                if (method.getName().equals("processSocket") && method.getParameterCount() == 2) {
                    Class<?> events = method.getParameterTypes()[0];
                    Object value = events.getMethod("valueOf", String.class).invoke(null, event);
                    method.invoke(wrapper, value, true);
                    return true;
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot ask the container to serve an upgraded connection: " + e);
        }
        return false;
    }

    /** Ends the connection now: the streams closed, then the socket. */
    public static void close(WebConnection connection, ServletOutputStream out) {
        try {
            connection.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing an upgraded connection", e);
        }
        Object wrapper = socketWrapper(out);
        if (wrapper != null) {
            try {
                wrapper.getClass().getMethod("close").invoke(wrapper);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing an upgraded socket", e);
            }
        }
    }

    /** Looked up per call, once or twice per tunnel: nothing of Tomcat's is cached in Sluice's classes. */
    private static Object socketWrapper(Object out) {
        for (Class<?> type = out.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField("socketWrapper");
                field.setAccessible(true);
                return field.get(out);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }
}
