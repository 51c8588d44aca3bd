package dev.sluice.forwarding;

import java.util.Set;

import org.apache.hc.core5.http.nio.AsyncEntityProducer;

/**
 * What HttpClient needs to know about a request body besides its bytes. The framing comes from
 * here: a known length is sent as Content-Length, an unknown one chunked. Content-Type and
 * Content-Encoding travel as ordinary copied headers.
 */
abstract class BodyEntity implements AsyncEntityProducer {
    private final long length;

    /** @param length the body's length, or -1 when unknown */
    BodyEntity(long length) {
        this.length = length;
    }

    @Override
    public final long getContentLength() {
        return length;
    }

    @Override
    public final boolean isChunked() {
        return length < 0;
    }

    @Override
    public final String getContentType() {
        return null;
    }

    @Override
    public final String getContentEncoding() {
        return null;
    }

    @Override
    public final Set<String> getTrailerNames() {
        return Set.of();
    }

    @Override
    public void failed(Exception cause) {
        // The exchange hears of every failure through its own callback and handles it there.
    }
}
