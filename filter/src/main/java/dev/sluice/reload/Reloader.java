package dev.sluice.reload;

import dev.sluice.config.ConfigurationException;
import dev.sluice.config.NodeSettings;
import dev.sluice.config.RedisSettings;
import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.UpstreamSettings;
import dev.sluice.routing.Route;
import dev.sluice.upstream.IoThreads;
import dev.sluice.upstream.Upstream;
import dev.sluice.health.HealthRegistry;
import dev.sluice.limits.SharedCounting;
import dev.sluice.metrics.Meters;
import dev.sluice.observe.AccessLog;
import dev.sluice.observe.Observers;
import dev.sluice.config.ObservabilitySettings;
import dev.sluice.status.Jmx;
import dev.sluice.status.UpstreamStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

/**
 * Runs one filter's configuration: builds the {@link Snapshot} the request path reads, and on
 * reload (through JMX, or every {@code sluice.reload-interval}) reads every source again and swaps
 * in a new snapshot when the settings changed. Upstreams whose settings did not change go on as they
 * are, with their pool, balancer, limits and counters; the others are built anew, taking their
 * nodes' health from the filter's {@link HealthRegistry}, and the ones they replace retire. A
 * configuration that is refused changes nothing.
 *
 * <p>Reloads, start and stop take this object's lock, so they never overlap; the request path takes
 * no lock, it reads the published snapshot.
 */
public final class Reloader implements ReloaderMBean {
    private static final System.Logger LOG = System.getLogger(Reloader.class.getName());
    /** Routes named one by one in the log at start; beyond them, a count. */
    private static final int ROUTES_LOGGED = 20;
    /** How long a reload waits for a newly configured Redis to answer before it swaps. */
    private static final Duration STORE_WAIT = Duration.ofSeconds(2);

    private final String contextPath;
    private final ClassLoader loader;
    private final Consumer<Snapshot> publish;
    private final HealthRegistry health = new HealthRegistry(System::nanoTime);
    private final Map<String, UpstreamStatus> views = new HashMap<>();
    private final Retirement retirement = new Retirement(this::timer);
    private final RetiringStores retiringStores;
    /**
     * This instance of the application in a shared store, the same whichever store a reload opens;
     * made with the first store (a random UUID seeds the JVM's SecureRandom, which the others need not wait for).
     */
    private String instanceId;
    private final Meters meters;
    private final AccessLog accessLog = new AccessLog();
    /** Which application of its context path this is in the MBean names, or 0 without a view. */
    private int instance;
    private Snapshot current;
    private ScheduledExecutorService timer;
    /** The I/O threads every upstream's connections live on, sized by {@code sluice.io-threads} at start. */
    private IoThreads io;
    /** The shared store of rate limits, while an upstream counts there. */
    private SharedCounting counting;
    private ScheduledFuture<?> interval;
    private Duration intervalEvery;
    /** The message of the last refused configuration, so a reload on a timer reports it once. */
    private String lastRefusal;
    private boolean closed;

    /**
     * @param contextPath the web application's context path, naming the MBeans
     * @param loader the web application's class loader, whose configuration sources are read
     * @param publish where each new snapshot goes for the request path to read
     */
    public Reloader(String contextPath, ClassLoader loader, Consumer<Snapshot> publish) {
        this(contextPath, loader, publish, Meters.NONE);
    }

    /** @param meters where the filter's meters go, kept to the running upstreams at each swap */
    public Reloader(String contextPath, ClassLoader loader, Consumer<Snapshot> publish, Meters meters) {
        this.contextPath = contextPath;
        this.loader = loader;
        this.publish = publish;
        this.meters = meters;
        this.retiringStores = new RetiringStores(this::timer, contextPath, loader);
    }

    /** Registers the MBeans, and builds and publishes the first snapshot from the settings read at start. */
    public synchronized void start(SluiceSettings settings) {
        // First: the filter's MBean claims the names its upstreams' MBeans then take.
        instance = Jmx.registerFirstFree(this, "Filter", contextPath);
        swap(settings);
        // A line per route tells a small application what it runs; a gateway of thousands of routes
        // would spend its start writing them, so past a screenful they are counted instead.
        List<Route> routes = current.router().routes();
        for (Route route : routes.subList(0, Math.min(routes.size(), ROUTES_LOGGED))) {
            LOG.log(System.Logger.Level.INFO, "Sluice route ''{0}'': {1} -> upstream ''{2}'' {3}",
                    route.settings().name(), route.pathPrefix(), route.upstream().name(),
                    route.upstream().settings().nodes());
        }
        if (routes.size() > ROUTES_LOGGED) {
            LOG.log(System.Logger.Level.INFO, "Sluice: {0} more routes, {1} in all",
                    routes.size() - ROUTES_LOGGED, routes.size());
        }
    }

    @Override
    public synchronized String reload() {
        try {
            return reread(true);
        } catch (RuntimeException e) {
            // A JDK type: a remote JMX console has no Sluice classes to read ours with.
            throw new IllegalArgumentException("reload rejected, the running configuration stays: " + e.getMessage());
        }
    }

    private synchronized void reloadIfChanged() {
        try {
            reread(false);
        } catch (RuntimeException e) {
            // Logged by reread; the timer must keep running.
        }
    }

    /**
     * @param asked whether an operator asked: then every outcome is logged; on a timer an unchanged
     *        configuration is not, and a refused one only when its message is new
     */
    private String reread(boolean asked) {
        if (closed) {
            throw new IllegalStateException("the filter has stopped");
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // Sources, converters and the new pools' threads belong to the application, whichever thread reloads.
        thread.setContextClassLoader(loader);
        try {
            SluiceSettings next = SettingsParser.parse(ConfigProviderResolver.instance().getBuilder().forClassLoader(loader)
                    .addDefaultSources().addDiscoveredSources().addDiscoveredConverters().build());
            lastRefusal = null;
            return apply(next, asked);
        } catch (RuntimeException e) {
            if (asked || !Objects.equals(e.getMessage(), lastRefusal)) {
                String message = "Sluice reload rejected, the running configuration stays: " + e.getMessage();
                if (e instanceof ConfigurationException) {
                    LOG.log(System.Logger.Level.ERROR, message);
                } else {
                    LOG.log(System.Logger.Level.ERROR, message, e);
                }
            }
            lastRefusal = e.getMessage();
            throw e;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Runs these settings if they differ from the running ones; what changed, in a line. */
    synchronized String apply(SluiceSettings next, boolean asked) {
        if (next.equals(current.settings())) {
            if (asked) {
                LOG.log(System.Logger.Level.INFO, "Sluice configuration read again: nothing changed");
            }
            return "unchanged: " + next.upstreams().size() + " upstreams, " + next.routes().size() + " routes";
        }
        Changes changes = new Changes(current.settings(), next);
        swap(next);
        LOG.log(System.Logger.Level.INFO, "Sluice configuration reloaded: {0}", changes.details());
        return changes.summary();
    }

    /**
     * Builds what the settings need that is not running yet, publishes the new snapshot, then
     * retires what it no longer holds. Nothing is changed until every new upstream is built.
     */
    private void swap(SluiceSettings next) {
        List<Upstream> upstreams = new ArrayList<>();
        List<Upstream> built = new ArrayList<>();
        Snapshot snapshot;
        // Another Redis or bound is opened anew, and the upstreams counting there are rebuilt on it.
        RedisSettings wanted = next.redis();
        boolean storeChanged = wanted == null ? counting != null : counting == null || !wanted.sameStore(counting.settings());
        SharedCounting store = storeChanged ? null : counting;
        if (io == null) {
            io = new IoThreads(next.ioThreads(), "sluice-io");
        } else if (next.ioThreads() != io.size()) {
            LOG.log(System.Logger.Level.WARNING, "Sluice: sluice.io-threads={0} takes effect at the next start;"
                    + " the filter keeps its {1} I/O threads", next.ioThreads(), io.size());
        }
        try {
            if (storeChanged && wanted != null) {
                if (instanceId == null) {
                    instanceId = UUID.randomUUID().toString();
                }
                store = SharedCounting.open(wanted, instanceId, loader, timer());
                if (current != null) {
                    // A reload: requests meet the new store answering, unless it does not within the wait.
                    store.awaitAnswer(STORE_WAIT);
                }
            }
            for (UpstreamSettings settings : next.upstreams().values()) {
                Upstream running = current == null ? null : current.upstream(settings.name());
                if (running != null && running.settings().equals(settings) && !(storeChanged && settings.limits().shared())) {
                    upstreams.add(running);
                } else {
                    Upstream fresh = new Upstream(settings, System::nanoTime, health, timer(), store, io);
                    built.add(fresh);
                    upstreams.add(fresh);
                }
            }
            ObservabilitySettings observed = next.forwarding().observability();
            snapshot = Snapshot.of(next, upstreams, Observers.of(observed.metrics() ? meters.observer() : null,
                    observed.accessLog() ? accessLog : null));
        } catch (RuntimeException e) {
            built.forEach(Upstream::close);
            if (storeChanged && store != null) {
                store.close();
            }
            keepHealthOf(current == null ? List.of() : current.upstreams());
            throw e;
        }
        Set<Upstream> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(upstreams);
        List<Upstream> retired = current == null ? List.of()
                : current.upstreams().stream().filter(u -> !kept.contains(u)).toList();
        current = snapshot;
        publish.accept(snapshot);
        if (storeChanged) {
            if (counting != null) {
                retiringStores.retire(counting);
            }
            counting = store;
        } else if (counting != null) {
            counting.reconfigure(wanted);
        }
        meters.sync(upstreams, next.forwarding().observability().metrics());

        retired.forEach(Upstream::stopTimers);
        keepHealthOf(upstreams);
        retired.forEach(u -> views.remove(u.name()).unregister());
        for (Upstream upstream : built) {
            views.put(upstream.name(), UpstreamStatus.register(contextPath, instance, upstream));
            upstream.startTimers();
        }
        retired.forEach(retirement::retire);
        scheduleReloads(next.reloadInterval());
    }

    /** Forgets the health of nodes these upstreams do not list. */
    private void keepHealthOf(Collection<Upstream> upstreams) {
        Set<String> used = new HashSet<>();
        Set<String> checked = new HashSet<>();
        for (Upstream upstream : upstreams) {
            List<String> addresses = upstream.settings().nodes().stream().map(NodeSettings::address).toList();
            used.addAll(addresses);
            if (upstream.hasActiveChecks()) {
                checked.addAll(addresses);
            }
        }
        health.retain(used, checked);
    }

    private void scheduleReloads(Duration every) {
        if (Objects.equals(every, intervalEvery)) {
            return;
        }
        if (interval != null) {
            interval.cancel(false);
            interval = null;
        }
        intervalEvery = every;
        if (every != null) {
            interval = timer().scheduleWithFixedDelay(this::reloadIfChanged, every.toMillis(), every.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The filter's one timer thread (health checks, pool trims, reloads, retirements, the
     * deadlines of requests waiting for a pooled connection), started with the first upstream.
     * A deadline is cancelled as its request gets a connection, and taken off the queue then, so
     * that a busy pool does not fill the queue with spent deadlines.
     */
    private synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "sluice-timer " + (contextPath.isEmpty() ? "/" : contextPath));
                thread.setDaemon(true);
                thread.setContextClassLoader(loader);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true);
            timer = executor;
        }
        return timer;
    }

    /** Stops everything: reloads, checks, every pool, retiring ones too, the I/O threads, and the MBeans. */
    public synchronized void close() {
        closed = true;
        if (instance > 0) {
            Jmx.unregister(Jmx.name("Filter", contextPath, instance, null));
            instance = 0;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        views.values().forEach(UpstreamStatus::unregister);
        views.clear();
        meters.close();
        if (current != null) {
            current.upstreams().forEach(Upstream::close);
        }
        retirement.closeAll();
        retiringStores.closeAll();
        if (io != null) {
            // Last: the pools closed above fail their exchanges on threads still running.
            io.close();
        }
        if (counting != null) {
            counting.close();
            counting = null;
        }
    }
}
