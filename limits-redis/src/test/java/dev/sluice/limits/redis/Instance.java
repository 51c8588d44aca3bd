package dev.sluice.limits.redis;

import dev.sluice.SluiceFilter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * One instance of an application behind a load balancer: an embedded Tomcat with the Sluice
 * filter, configured from {@link TestConfigSource}. Tests start two, sharing one Redis.
 */
final class Instance implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Context context;

    Instance() throws IOException, LifecycleException {
        File base = Files.createTempDirectory("sluice-instance").toFile();
        tomcat.setBaseDir(base.getPath());
        tomcat.setPort(0);
        tomcat.getConnector();
        context = tomcat.addContext("", base.getPath());
        FilterDef filter = new FilterDef();
        filter.setFilterName("sluice");
        filter.setFilterClass(SluiceFilter.class.getName());
        filter.setAsyncSupported("true");
        context.addFilterDef(filter);
        FilterMap map = new FilterMap();
        map.setFilterName("sluice");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        Tomcat.addServlet(context, "app", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.sendError(404);
            }
        }).setAsyncSupported(true);
        context.addServletMappingDecoded("/", "app");
        tomcat.start();
    }

    /** Whether the application started (a filter that fails its start stops it). */
    boolean started() {
        return context.getState() == LifecycleState.STARTED;
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** One GET of this path, its body read. */
    HttpResponse<String> get(HttpClient client, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status view's JSON. */
    String status(HttpClient client) throws IOException, InterruptedException {
        return get(client, "/_sluice/status").body();
    }

    /** Waits (up to ten seconds) until the status views of all these instances show their shared limits in this state at once. */
    static void awaitState(HttpClient client, String state, Instance... instances) throws Exception {
        String want = "\"state\":\"" + state + "\"";
        Await.until(Duration.ofSeconds(10), () -> {
            for (Instance instance : instances) {
                if (!instance.status(client).contains(want)) {
                    return false;
                }
            }
            return true;
        }, () -> {
            StringBuilder statuses = new StringBuilder("instances " + state + ":");
            for (Instance instance : instances) {
                statuses.append(' ').append(instance.status(client));
            }
            return statuses.toString();
        });
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
