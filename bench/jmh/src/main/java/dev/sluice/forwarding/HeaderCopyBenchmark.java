package dev.sluice.forwarding;

import dev.sluice.upstream.Node;

import dev.sluice.bench.MicroBenchmark;
import dev.sluice.config.NodeSettings;
import dev.sluice.config.SettingsParser;
import dev.sluice.config.SluiceSettings;
import dev.sluice.config.UpstreamSettings;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * What copying a request's headers onto the upstream request costs: a browser's dozen headers,
 * hop-by-hop ones left behind, Host, Via and the X-Forwarded-* set, and the upstream's own
 * header rules applied. It lives in the forwarding package because the copy is internal to it.
 * The client request is a list of fields behind the servlet interface, so the figure is Sluice's
 * part of the copy without the container's header parsing (which a request costs with or without a
 * proxy).
 */
public class HeaderCopyBenchmark extends MicroBenchmark {
    private RequestHeaders headers;
    private UpstreamSettings upstream;
    private Node node;
    private HttpServletRequest direct;
    private RequestHeaders.ClientHop directHop;
    private HttpServletRequest behindProxy;
    private RequestHeaders.ClientHop proxyHop;

    @Setup
    public void setUp() {
        Map<String, String> config = Map.of(
                "sluice.route.orders.path", "/api/orders",
                "sluice.route.orders.upstream", "orders",
                "sluice.upstream.orders.nodes", "10.0.0.11:8080, 10.0.0.12:8080",
                "sluice.upstream.orders.request-headers.remove", "Cookie",
                "sluice.upstream.orders.request-headers.set.X-Gateway", "sluice",
                "sluice.trusted-proxies", "10.1.0.0/16");
        SluiceSettings settings = SettingsParser.parse(config.keySet(), key -> Optional.ofNullable(config.get(key)));
        upstream = settings.upstreams().get("orders");
        node = new Node(0, new NodeSettings("10.0.0.11", 8080, 1), new HttpHost("http", "10.0.0.11", 8080), "10.0.0.11:8080");
        headers = new RequestHeaders(settings.forwarding());

        List<String[]> browser = List.of(
                new String[] {"Host", "shop.example.com"},
                new String[] {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
                new String[] {"Accept", "application/json, text/plain, */*"},
                new String[] {"Accept-Language", "en-GB,en;q=0.7,fr;q=0.3"},
                new String[] {"Accept-Encoding", "gzip, deflate, br, zstd"},
                new String[] {"Referer", "https://shop.example.com/basket"},
                new String[] {"Cookie", "session=6f1c0e2a9b7d4c3e8f5a1b2c3d4e5f60; theme=dark"},
                new String[] {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"},
                new String[] {"X-Request-Id", "2b0c7e4e-5d2f-4f43-9a0e-8d1b6a3c9f11"},
                new String[] {"Connection", "keep-alive"},
                new String[] {"TE", "trailers"});
        direct = request(browser, "203.0.113.7");
        directHop = headers.clientHop(direct);

        List<String[]> proxied = new ArrayList<>(browser);
        proxied.add(new String[] {"X-Forwarded-For", "203.0.113.7, 10.1.4.2"});
        proxied.add(new String[] {"X-Forwarded-Proto", "https"});
        proxied.add(new String[] {"Via", "1.1 lb"});
        behindProxy = request(proxied, "10.1.0.5");
        proxyHop = headers.clientHop(behindProxy);
    }

    @Benchmark
    public BasicHttpRequest copyFromClient() {
        BasicHttpRequest to = new BasicHttpRequest("GET", node.target(), "/api/orders/42");
        headers.copy(direct, to, upstream, node, directHop);
        return to;
    }

    @Benchmark
    public BasicHttpRequest copyBehindTrustedProxy() {
        BasicHttpRequest to = new BasicHttpRequest("GET", node.target(), "/api/orders/42");
        headers.copy(behindProxy, to, upstream, node, proxyHop);
        return to;
    }

    /**
     * A request with these header fields, looked up as Tomcat's {@code MimeHeaders} does: a scan
     * of the fields in order, names compared without regard to case. Anything else the copy might
     * ask fails loudly.
     */
    private static HttpServletRequest request(List<String[]> fields, String peer) {
        HttpServletRequest unexpected = (HttpServletRequest) Proxy.newProxyInstance(HeaderCopyBenchmark.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        List<String> names = fields.stream().map(field -> field[0]).distinct().toList();
        return new HttpServletRequestWrapper(unexpected) {
            @Override
            public Enumeration<String> getHeaderNames() {
                return Collections.enumeration(names);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                List<String> values = new ArrayList<>(1);
                for (String[] field : fields) {
                    if (field[0].equalsIgnoreCase(name)) {
                        values.add(field[1]);
                    }
                }
                return Collections.enumeration(values);
            }

            @Override
            public String getHeader(String name) {
                for (String[] field : fields) {
                    if (field[0].equalsIgnoreCase(name)) {
                        return field[1];
                    }
                }
                return null;
            }

            @Override
            public String getProtocol() {
                return "HTTP/1.1";
            }

            @Override
            public String getScheme() {
                return "http";
            }

            @Override
            public int getServerPort() {
                return 8080;
            }

            @Override
            public String getRemoteAddr() {
                return peer;
            }
        };
    }
}
