package dev.sluice;

import dev.sluice.config.ConfigurationException;
import dev.sluice.config.RouteSettings;
import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.StatusSettings;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.forwarding.Forwarder;
import dev.sluice.forwarding.Route;
import dev.sluice.forwarding.Upstream;
import dev.sluice.health.HealthRegistry;
import dev.sluice.routing.RequestPaths;
import dev.sluice.routing.Router;
import dev.sluice.status.StatusJson;
import dev.sluice.status.UpstreamStatus;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The Sluice servlet filter: requests whose path matches a configured route are forwarded to
 * that route's upstream, without holding a container thread while the upstream works; every other
 * request goes down the filter chain untouched.
 *
 * <p>Declare it in {@code web.xml} with {@code <async-supported>true</async-supported>}, mapped
 * first, and configure it through MicroProfile Config (keys under {@code sluice.}, see
 * {@code docs/configuration.md}). A bad key or value fails {@link #init} with a message naming it.
 */
public class SluiceFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(SluiceFilter.class.getName());

    private final List<Upstream> upstreams = new ArrayList<>();
    private List<UpstreamStatus> statuses = List.of();
    private Router<Route> router;
    private Forwarder forwarder;
    private StatusSettings status;
    private ScheduledExecutorService healthTimer;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        SluiceSettings settings;
        try {
            settings = SettingsParser.parse(ConfigProvider.getConfig(Thread.currentThread().getContextClassLoader()));
        } catch (ConfigurationException e) {
            LOG.log(System.Logger.Level.ERROR, "Sluice not started: " + e.getMessage());
            throw new ServletException("Sluice configuration error: " + e.getMessage(), e);
        }
        try {
            Map<String, Upstream> byName = new LinkedHashMap<>();
            HealthRegistry health = new HealthRegistry(System::nanoTime);
            for (UpstreamSettings upstream : settings.upstreams().values()) {
                Upstream running = new Upstream(upstream, System::nanoTime, health);
                upstreams.add(running);
                byName.put(upstream.name(), running);
            }
            List<Route> routes = new ArrayList<>();
            for (RouteSettings route : settings.routes()) {
                routes.add(new Route(route, byName.get(route.upstream())));
            }
            router = new Router<>(routes, Route::pathPrefix);
            forwarder = new Forwarder(settings.forwarding());
            status = settings.forwarding().status();
            statuses = UpstreamStatus.register(filterConfig.getServletContext().getContextPath(), upstreams);
            if (upstreams.stream().anyMatch(Upstream::hasActiveChecks)) {
                healthTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "sluice-health-checks");
                    thread.setDaemon(true);
                    return thread;
                });
                upstreams.forEach(u -> u.startChecks(healthTimer));
            }
        } catch (RuntimeException e) {
            destroy();
            throw new ServletException("Sluice could not start: " + e.getMessage(), e);
        }
        for (Route route : router.routes()) {
            LOG.log(System.Logger.Level.INFO, "Sluice route ''{0}'': {1} -> upstream ''{2}'' {3}",
                    route.settings().name(), route.pathPrefix(), route.upstream().name(),
                    route.upstream().settings().nodes());
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);
            return;
        }
        String path = RequestPaths.inApplication(http.getRequestURI(), http.getContextPath());
        if (path != null && path.equals(status.path()) && status.allows(request.getRemoteAddr())) {
            byte[] json = StatusJson.render(upstreams).getBytes(StandardCharsets.UTF_8);
            HttpServletResponse httpResponse = (HttpServletResponse) response;
            httpResponse.setContentType("application/json");
            httpResponse.setHeader("Cache-Control", "no-store");
            httpResponse.setContentLength(json.length);
            httpResponse.getOutputStream().write(json);
            return;
        }
        Route route = path == null ? null : router.match(path);
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
        forwarder.forward(route, path, http, httpResponse);
    }

    @Override
    public void destroy() {
        if (healthTimer != null) {
            healthTimer.shutdownNow();
            healthTimer = null;
        }
        statuses.forEach(UpstreamStatus::unregister);
        statuses = List.of();
        upstreams.forEach(Upstream::close);
        upstreams.clear();
    }
}
