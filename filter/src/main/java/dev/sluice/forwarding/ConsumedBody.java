package dev.sluice.forwarding;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
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
 * that Sluice needs neither at build time).
 */
final class ConsumedBody {
    /** Jetty 12's {@code FormFields.class.getName()}: the attribute its form parser leaves on the request. */
    private static final String JETTY_FORM_FIELDS = "org.eclipse.jetty.server.FormFields";
    /** Per request class: Undertow's public {@code getExchange()}, or {@code null} elsewhere. */
    private static final ClassValue<Method> UNDERTOW_EXCHANGE = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            return publicMethod(type, "getExchange");
        }
    };
    /** Per exchange class: Undertow's {@code isRequestComplete()}. */
    private static final ClassValue<Method> REQUEST_COMPLETE = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            return publicMethod(type, "isRequestComplete");
        }
    };

    private ConsumedBody() {
    }

    static boolean consumed(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return false;
        }
        if (request.getAttribute(JETTY_FORM_FIELDS) != null || undertowRequestComplete(request)) {
            return true;
        }
        try {
            return request.getInputStream().isFinished();
        } catch (IllegalStateException readerInUse) {
            return true;
        }
    }

    private static boolean undertowRequestComplete(ServletRequest request) {
        ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        Method getExchange = UNDERTOW_EXCHANGE.get(inner.getClass());
        if (getExchange == null) {
            return false;
        }
        try {
            Object exchange = getExchange.invoke(inner);
            Method complete = REQUEST_COMPLETE.get(exchange.getClass());
            return complete != null && (Boolean) complete.invoke(exchange);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false; // not the Undertow this was written for: the input stream still tells what it can
        }
    }

    private static Method publicMethod(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
