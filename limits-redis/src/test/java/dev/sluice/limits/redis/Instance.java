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

    /** The status view's JSON. */
    String status(HttpClient client) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri("/_sluice/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
