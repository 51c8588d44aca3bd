package dev.sluice.container;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.lang.reflect.Method;

/**
 * Whether something before Sluice (a filter that parsed form parameters, a reader) already
 * consumed the request body: forwarded, it would go upstream empty or hang, since the container
 * never reports data that is gone.
 *
 * <p>The Servlet API tells only through the input stream's {@code isFinished()}, which Tomcat keeps
 * true once its form parser has read the body. Jetty and Undertow parse forms beneath the servlet
 * input stream, which then still reports itself unfinished: Jetty 12 keeps the parsed fields in a
 * request attribute, and Undertow's exchange knows its request is complete (by reflection, so
 * that Sluice needs neither at build time). Only the container the request came from is asked.
 */
public final class ConsumedBody {
    /** Jetty 12's {@code FormFields.class.getName()}: the attribute its form parser leaves on the request. */
    private static final String JETTY_FORM_FIELDS = "org.eclipse.jetty.server.FormFields";
    /** Per exchange class: Undertow's {@code HttpServerExchange.isRequestComplete()}. */
    private static final ClassValue<Method> REQUEST_COMPLETE = ServletContainer.publicMethod("isRequestComplete");

    private ConsumedBody() {
    }

    public static boolean consumed(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return false;
        }
        ServletRequest inner = ServletContainer.unwrap(request);
        boolean consumedBeneath = switch (ServletContainer.of(inner)) {
            case JETTY -> request.getAttribute(JETTY_FORM_FIELDS) != null;
            case UNDERTOW -> undertowRequestComplete(inner);
            case OTHER -> false;
        };
        if (consumedBeneath) {
            return true;
        }
        try {
            return request.getInputStream().isFinished();
        } catch (IllegalStateException readerInUse) {
            return true;
        }
    }

    private static boolean undertowRequestComplete(ServletRequest undertowsOwn) {
        try {
            Object exchange = ServletContainer.undertowExchange(undertowsOwn);
            Method complete = REQUEST_COMPLETE.get(exchange.getClass());
            return complete != null && (Boolean) complete.invoke(exchange);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false; // not the Undertow this was written for: the input stream still tells what it can
        }
    }
}
