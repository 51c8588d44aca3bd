package dev.sluice;

import dev.sluice.config.ApplicationConfig;
import dev.sluice.config.ConfigurationException;
import dev.sluice.config.MicroProfileConfigMissing;
import dev.sluice.config.SluiceSettings;
import dev.sluice.metrics.Meters;
import dev.sluice.routing.Route;
import dev.sluice.reload.Reloader;
import dev.sluice.reload.Snapshot;
import dev.sluice.routing.RequestPaths;
import dev.sluice.status.StatusView;
import dev.sluice.tunnel.Tunnels;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The Sluice servlet filter: requests whose path matches a configured route are forwarded to
 * that route's upstream, without holding a container thread while the upstream works; every other
 * request goes down the filter chain untouched.
 *
 * <p>Declare it in {@code web.xml} with {@code <async-supported>true</async-supported>}, mapped
 * first, and configure it through MicroProfile Config (keys under {@code sluice.}, see
 * {@code docs/configuration.md}). A bad key or value fails {@link #init} with a message naming it.
 * The configuration can be reloaded while the filter runs, through JMX
 * ({@code dev.sluice:type=Filter,context=<context path>}, operation {@code reload}) or every
 * {@code sluice.reload-interval}.
 */
public class SluiceFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(SluiceFilter.class.getName());

    /** All the request path reads; a reload replaces it whole, and a request reads it once. */
    private volatile Snapshot snapshot;
    private Reloader reloader;
    /** WebSocket tunnels, whose I/O thread starts at the first handshake and stops with the filter. */
    private Tunnels tunnels;
    /**
     * The application's configuration, released as the filter stops. Held through a class of
     * Sluice's own: a container that reflects on this class's fields loads their types, and the
     * MicroProfile Config API may be missing.
     */
    private ApplicationConfig config;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        SluiceSettings settings;
        try {
            MicroProfileConfigMissing.requireApi(SluiceFilter.class.getClassLoader());
            config = ApplicationConfig.open(loader);
            settings = config.settings();
        } catch (MicroProfileConfigMissing e) {
            // Said here, as the container would only report that a filter failed to start.
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            throw new ServletException(e.getMessage(), e);
        } catch (ConfigurationException e) {
            destroy();
            LOG.log(System.Logger.Level.ERROR, "Sluice not started: " + e.getMessage());
            throw new ServletException("Sluice configuration error: " + e.getMessage(), e);
        }
        tunnels = new Tunnels(filterConfig.getServletContext().getContextPath());
        try {
            Meters meters = Meters.find(filterConfig.getServletContext().getAttribute(Meters.REGISTRY_ATTRIBUTE));
            reloader = new Reloader(filterConfig.getServletContext().getContextPath(), loader, next -> snapshot = next, meters);
            reloader.start(settings);
        } catch (ConfigurationException e) {
            // Found while building (a store's module missing): said as a parsing error is.
            destroy();
            LOG.log(System.Logger.Level.ERROR, "Sluice not started: " + e.getMessage());
            throw new ServletException("Sluice configuration error: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            destroy();
            throw new ServletException("Sluice could not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);
            return;
        }
        Snapshot current = snapshot;
        String path = RequestPaths.inApplication(http.getRequestURI(), http.getContextPath());
        if (path != null && path.equals(current.status().path()) && current.status().allows(request.getRemoteAddr())
                && current.status().allows(current.forwarder().clientAddress(http))) {
            StatusView.answer(http, (HttpServletResponse) response, current.upstreams());
            return;
        }
        String matched = path == null ? null : RequestPaths.forMatching(path);
        Route route = matched == null ? null : current.router().match(matched);
        if (route == null) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse httpResponse = (HttpServletResponse) response;
        if (!RequestPaths.isUnambiguous(path)) {
            httpResponse.sendError(HttpServletResponse.SC_BAD_REQUEST,
                    "Dot segments are not allowed in a proxied path");
            return;
        }
        if (matched != path && route.settings().stripPrefix() && !RequestPaths.startsWithSegments(path, route.pathPrefix())) {
            // Which raw segments make the prefix is a guess once parameters or empty segments are in it.
            httpResponse.sendError(HttpServletResponse.SC_BAD_REQUEST,
                    "Path parameters and empty segments are not allowed in the prefix of a route that strips it");
            return;
        }
        if (isOptionsWithUntypedBody(http)) {
            // RFC 9110 requires the type, and HttpClient refuses to send the request without it:
            // the client's error, which must not be answered 502 and counted against the node.
            httpResponse.sendError(HttpServletResponse.SC_BAD_REQUEST, "An OPTIONS request with a body needs a Content-Type");
            return;
        }
        if (Tunnels.isHandshake(http)) {
            tunnels.open(route, path, http, httpResponse, current.forwarder());
            return;
        }
        current.forwarder().forward(route, path, http, httpResponse);
    }

    private static boolean isOptionsWithUntypedBody(HttpServletRequest request) {
        return request.getMethod().equals("OPTIONS") && request.getContentType() == null
                && (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null);
    }

    @Override
    public void destroy() {
        if (tunnels != null) {
            tunnels.close();
            tunnels = null;
        }
        if (reloader != null) {
            reloader.close();
            reloader = null;
        }
        if (config != null) {
            config.close();
            config = null;
        }
    }
}
