package dev.sluice.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;

/**
 * The benchmark's design minimum (the {@code bare} target, S1 and S4): the design Sluice is built on
 * and nothing else. The request goes asynchronous, HttpClient 5's async client (a pool as large as
 * Sluice's, two reactor threads as Sluice has lanes here, everything optional disabled) fetches the
 * answer whole, and the reactor thread that has it writes it, flushes and completes. No routing,
 * header rules, forwarding headers, hop-by-hop checks, flow control, health or metrics, and only
 * GETs of small bodies work. What Sluice costs beyond this is its engine; what this costs beyond
 * the floor is the price of the design (docs/benchmarks.md, item 43). It runs in a Tomcat of its
 * own, set up as Sluice's, so that its heap and threads weigh on nobody else's figures.
 *
 * <p>{@code GET /bare/bn/<path>} fetches {@code <path>} from the nginx origin (127.0.0.1:19002),
 * {@code GET /bare/bj/<path>} from the Java origin (127.0.0.1:19001).
 */
@WebFilter(urlPatterns = {"/bn/*", "/bj/*"}, asyncSupported = true)
public class BareFilter implements Filter {
    private static final HttpHost NGINX = new HttpHost("http", "127.0.0.1", 19002);
    private static final HttpHost JAVA_ORIGIN = new HttpHost("http", "127.0.0.1", 19001);

    private CloseableHttpAsyncClient client;
    private int contextLength;

    @Override
    public void init(FilterConfig config) {
        contextLength = config.getServletContext().getContextPath().length();
        client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(1024).setMaxConnPerRoute(1024).build())
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(2).build())
                .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement()
                .disableAuthCaching().disableConnectionState().disableContentCompression()
                .build();
        client.start();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) {
        HttpServletRequest clientRequest = (HttpServletRequest) request;
        HttpServletResponse clientResponse = (HttpServletResponse) response;
        String uri = clientRequest.getRequestURI();
        HttpHost origin = uri.startsWith("/bn", contextLength) ? NGINX : JAVA_ORIGIN;
        String path = uri.substring(contextLength + "/bn".length()); // "/bj" is as long
        AsyncContext async = clientRequest.startAsync();
        SimpleHttpRequest upstream = SimpleHttpRequest.create(Method.GET, origin, path);
        client.execute(SimpleRequestProducer.create(upstream), SimpleResponseConsumer.create(), new FutureCallback<>() {
            @Override
            public void completed(SimpleHttpResponse answer) {
                try {
                    clientResponse.setStatus(answer.getCode());
                    for (Header header : answer.getHeaders()) {
                        String name = header.getName();
                        if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Keep-Alive")
                                && !name.equalsIgnoreCase("Transfer-Encoding")) {
                            clientResponse.addHeader(name, header.getValue());
                        }
                    }
                    byte[] body = answer.getBodyBytes();
                    if (body != null) {
                        clientResponse.setContentLength(body.length);
                        clientResponse.getOutputStream().write(body);
                    }
                    clientResponse.flushBuffer();
                } catch (IOException clientGone) {
                    // Nothing to save: the request ends either way.
                }
                async.complete();
            }

            @Override
            public void failed(Exception cause) {
                clientResponse.setStatus(502);
                async.complete();
            }

            @Override
            public void cancelled() {
                failed(null);
            }
        });
    }

    @Override
    public void destroy() {
        client.close(CloseMode.IMMEDIATE);
    }
}
