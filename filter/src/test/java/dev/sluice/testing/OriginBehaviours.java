package dev.sluice.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link TestOrigin} handler that the tests fill as they go, so that each behaviour is written
 * beside the test that needs it: a request is answered by the behaviour named for its last path
 * segment (query left out), and by {@link Handlers#echo()} when none is.
 */
public final class OriginBehaviours implements TestOrigin.Handler {
    private final Map<String, TestOrigin.Handler> bySegment = new ConcurrentHashMap<>();

    /** From now on, requests whose path ends in {@code /segment} are answered so. Returns the path to use. */
    public String on(String segment, TestOrigin.Handler behaviour) {
        bySegment.put(segment, behaviour);
        return segment;
    }

    @Override
    public void handle(TestOrigin.Exchange exchange) throws Exception {
        String path = exchange.request().target().replaceAll("\\?.*", "");
        String last = path.substring(path.lastIndexOf('/') + 1);
        bySegment.getOrDefault(last, Handlers.echo()).handle(exchange);
    }
}
