package dev.sluice.forwarding;

import dev.sluice.config.ForwardingSettings;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** The entry to forwarding: starts one {@link ProxyExchange} per matched request. */
public final class Forwarder {
    private final RequestHeaders headers;
    private final int requestBuffer;

    /** @param settings the settings shared by every route */
    public Forwarder(ForwardingSettings settings) {
        this.headers = new RequestHeaders(settings);
        this.requestBuffer = settings.requestBufferBytes();
    }

    /**
     * Forwards the request to the route's upstream. Returns once the exchange is under way; the
     * response is written later, from other threads.
     *
     * @param pathInApplication the raw request path without the context path
     */
    public void forward(Route route, String pathInApplication, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        new ProxyExchange(route, pathInApplication, request, response, headers, requestBuffer).start();
    }
}
