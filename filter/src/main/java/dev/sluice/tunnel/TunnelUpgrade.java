package dev.sluice.tunnel;

import dev.sluice.upstream.TunnelCounters.Closer;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The container's handler of a switched connection: hands it to its {@link Tunnel}. Made by the
 * container (public, with a public constructor); the tunnel is attached before the filter
 * returns, and the container calls {@link #init} only after that.
 */
public final class TunnelUpgrade implements HttpUpgradeHandler {
    private volatile Tunnel tunnel;

    public TunnelUpgrade() {
        // made by the container
    }

    void attach(Tunnel attached) {
        this.tunnel = attached;
    }

    @Override
    public void init(WebConnection connection) {
        try {
            tunnel.clientOpened(connection);
        } catch (IOException e) {
            tunnel.failed(Closer.CLIENT, e);
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void destroy() {
        Tunnel attached = tunnel;
        if (attached != null) {
            attached.clientClosed();
        }
    }
}
