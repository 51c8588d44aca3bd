package dev.sluice.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Future;

import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;

/**
 * The benchmark's design minimum (the {@code bare} target): the design Sluice is built on and
 * nothing else. The request goes asynchronous; a body is read with a {@link ReadListener} into one
 * array of its declared length; HttpClient 5's async client (a pool as large as Sluice's, two
 * reactor threads as Sluice has lanes here, Sluice's default read size and window, everything
 * optional disabled) sends it; the answer is relayed as it arrives, written by the reactor thread
 * while the container says it is ready and otherwise kept for {@link WriteListener#onWritePossible},
 * with HttpClient's window returned only for bytes the container took. No routing, header rules,
 * forwarding headers, hop-by-hop checks beyond three names, health, metrics, limits or failover.
 * What Sluice costs beyond this is its engine; what this costs beyond the floor is the price of the
 * design (docs/dev/performance-log.md). It runs in a Tomcat of its own, set up as
 * Sluice's, so that its heap and threads weigh on nobody else's figures.
 *
 * <p>{@code /bare/bn/<path>} goes to the nginx origin (127.0.0.1:19002), {@code /bare/bj/<path>}
 * to the Java origin (127.0.0.1:19001), with the client's method and body.
 */
@WebFilter(urlPatterns = {"/bn/*", "/bj/*"}, asyncSupported = true)
public class BareFilter implements Filter {
    private static final HttpHost NGINX = new HttpHost("http", "127.0.0.1", 19002);
    private static final HttpHost JAVA_ORIGIN = new HttpHost("http", "127.0.0.1", 19001);
    /** Sluice's defaults: {@code pool.read-buffer} and {@code response-buffer}. */
    private static final int READ_BUFFER = 32 * 1024;
    private static final int WINDOW = 256 * 1024;
    /** The container's buffer for a body: one that fits goes out whole at its end; a larger one in flushed slices of this size. */
    private static final int SLICE = 64 * 1024;
    private static final int LARGEST_REQUEST_BODY = 1024 * 1024;

    private CloseableHttpAsyncClient client;
    private int contextLength;

    @Override
    public void init(FilterConfig config) {
        contextLength = config.getServletContext().getContextPath().length();
        client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(1024).setMaxConnPerRoute(1024).build())
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(2).build())
                .setHttp1Config(Http1Config.custom().setBufferSize(READ_BUFFER).setInitialWindowSize(WINDOW).build())
                .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement()
                .disableAuthCaching().disableConnectionState().disableContentCompression()
                .build();
        client.start();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException {
        HttpServletRequest clientRequest = (HttpServletRequest) request;
        String uri = clientRequest.getRequestURI();
        HttpHost origin = uri.startsWith("/bn", contextLength) ? NGINX : JAVA_ORIGIN;
        String query = clientRequest.getQueryString();
        String path = uri.substring(contextLength + "/bn".length()) + (query == null ? "" : "?" + query); // "/bj" is as long
        Exchange exchange = new Exchange(clientRequest.startAsync(), (HttpServletResponse) response,
                SimpleHttpRequest.create(Method.normalizedValueOf(clientRequest.getMethod()), origin, path));
        long length = clientRequest.getContentLengthLong();
        if (length <= 0) {
            exchange.send();
        } else if (length > LARGEST_REQUEST_BODY) {
            exchange.refuse(413);
        } else {
            exchange.readBody(clientRequest.getInputStream(), (int) length);
        }
    }

    @Override
    public void destroy() {
        client.close(CloseMode.IMMEDIATE);
    }

    /**
     * One proxied request. The relay's state is guarded by the object's lock, which also keeps a
     * container thread reporting a client failure waiting while the reactor thread is inside a
     * write (Tomcat stores a late error for the write in progress).
     */
    private final class Exchange implements ReadListener, WriteListener, AsyncListener, AsyncResponseConsumer<Void> {
        private final AsyncContext async;
        private final HttpServletResponse response;
        private final SimpleHttpRequest upstream;
        private ServletInputStream in;
        private byte[] body;
        private int filled;
        private volatile Future<Void> sent;

        private final ServletOutputStream out;
        private CapacityChannel capacity;
        private boolean streamed;
        /** Bytes the container could not take yet, allocated only when it first falls behind. */
        private ByteBuffer waiting;
        private FutureCallback<Void> done;
        private int owed;
        private boolean asked;
        private boolean ended;
        private boolean over;

        /**
         * On the container thread: a write listener set from another thread makes Tomcat dispatch
         * its first {@code onWritePossible} later, and that dispatch can land after the request
         * has ended, on the connection's next request.
         */
        Exchange(AsyncContext async, HttpServletResponse response, SimpleHttpRequest upstream) throws IOException {
            this.async = async;
            this.response = response;
            this.upstream = upstream;
            this.out = response.getOutputStream();
            out.setWriteListener(this);
            async.addListener(this);
        }

        // ---- the request leg ----

        void readBody(ServletInputStream in, int length) {
            this.in = in;
            this.body = new byte[length];
            in.setReadListener(this);
        }

        @Override
        public void onDataAvailable() throws IOException {
            while (in.isReady()) {
                int n = in.read(body, filled, body.length - filled);
                if (n < 0) {
                    return;
                }
                filled += n;
            }
        }

        @Override
        public void onAllDataRead() {
            if (filled < body.length) {
                refuse(400);
                return;
            }
            upstream.setBody(body, ContentType.APPLICATION_OCTET_STREAM);
            send();
        }

        void send() {
            sent = client.execute(SimpleRequestProducer.create(upstream), this, new FutureCallback<>() {
                @Override
                public void completed(Void result) {
                    // The relay ends the request itself at the body's end.
                }

                @Override
                public void failed(Exception cause) {
                    Exchange.this.failed(cause);
                }

                @Override
                public void cancelled() {
                    Exchange.this.failed(null);
                }
            });
        }

        synchronized void refuse(int status) {
            if (!over) {
                over = true;
                response.setStatus(status);
                async.complete();
            }
        }

        // ---- the response leg: HttpClient's reactor thread ----

        @Override
        public void consumeResponse(HttpResponse head, EntityDetails entity, HttpContext context,
                FutureCallback<Void> resultCallback) throws IOException {
            synchronized (this) {
                if (over) {
                    throw new IOException("client gone");
                }
                try {
                    applyHead(head, entity, resultCallback);
                } catch (IllegalStateException recycled) {
                    over = true;
                    throw new IOException("client gone", recycled);
                }
            }
            if (entity == null) {
                resultCallback.completed(null);
            }
        }

        /** Under the lock. */
        private void applyHead(HttpResponse head, EntityDetails entity, FutureCallback<Void> resultCallback) throws IOException {
            response.setStatus(head.getCode());
            for (Header header : head.getHeaders()) {
                String name = header.getName();
                if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Keep-Alive")
                        && !name.equalsIgnoreCase("Transfer-Encoding")) {
                    response.addHeader(name, header.getValue());
                }
            }
            if (entity == null) {
                finish();
            } else {
                long length = entity.getContentLength();
                streamed = length < 0 || length > SLICE;
                response.setBufferSize(streamed ? SLICE : Math.max(1, (int) length));
                done = resultCallback;
            }
        }

        @Override
        public void informationResponse(HttpResponse head, HttpContext context) {
        }

        @Override
        public void updateCapacity(CapacityChannel channel) throws IOException {
            int credit;
            synchronized (this) {
                capacity = channel;
                asked = true;
                credit = takeCredit();
            }
            returnCredit(credit);
        }

        @Override
        public void consume(ByteBuffer src) throws IOException {
            int credit;
            synchronized (this) {
                if (over) {
                    throw new IOException("client gone");
                }
                int arrived = src.remaining();
                if (nothingWaiting()) {
                    writeWhileReady(src);
                }
                owed += arrived - src.remaining();
                if (src.hasRemaining()) {
                    if (waiting == null) {
                        // HttpClient looks at the window after each read, so one read more than it can arrive.
                        waiting = ByteBuffer.allocate(WINDOW + READ_BUFFER);
                    }
                    waiting.put(src);
                }
                credit = takeCredit();
            }
            returnCredit(credit);
        }

        @Override
        public void streamEnd(List<? extends Header> trailers) throws IOException {
            synchronized (this) {
                ended = true;
                if (!over && nothingWaiting() && out.isReady()) {
                    finish();
                }
            }
            done.completed(null);
        }

        @Override
        public void failed(Exception cause) {
            synchronized (this) {
                if (over) {
                    return;
                }
                try {
                    if (!response.isCommitted()) {
                        response.resetBuffer();
                        response.setStatus(502);
                    }
                } catch (IllegalStateException recycled) {
                    // The client went first and the container has ended the request.
                }
                finish();
            }
        }

        @Override
        public void releaseResources() {
        }

        // ---- the response leg: container threads ----

        @Override
        public void onWritePossible() throws IOException {
            int credit;
            synchronized (this) {
                if (over) {
                    return;
                }
                if (!nothingWaiting()) {
                    int before = waiting.position();
                    waiting.flip();
                    writeWhileReady(waiting);
                    owed += before - waiting.remaining();
                    waiting.compact();
                }
                if (ended && nothingWaiting() && out.isReady()) {
                    finish();
                }
                credit = takeCredit();
            }
            returnCredit(credit);
        }

        /**
         * Tomcat reports most client failures here rather than to the write listener; either
         * way the lock makes it wait for a reactor thread still inside a write, whose late error
         * store would otherwise land on the recycled response of the connection's next request.
         */
        @Override
        public void onError(AsyncEvent event) {
            onError(event.getThrowable());
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            onError(event.getThrowable());
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        @Override
        public void onError(Throwable clientFailure) {
            synchronized (this) {
                over = true;
            }
            Future<Void> exchange = sent;
            if (exchange != null) {
                exchange.cancel(true);
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyOver) {
                // The container ended the request itself.
            }
        }

        // ---- shared, under the lock ----

        private boolean nothingWaiting() {
            return waiting == null || waiting.position() == 0;
        }

        /** Writes while the container takes it: streamed bodies in flushed slices, a body that fits its buffer whole. */
        private void writeWhileReady(ByteBuffer src) throws IOException {
            try {
                while (src.hasRemaining() && out.isReady()) {
                    int n = Math.min(SLICE, src.remaining());
                    out.write(src.array(), src.arrayOffset() + src.position(), n);
                    src.position(src.position() + n);
                    if (streamed) {
                        out.flush();
                    }
                }
            } catch (IOException | IllegalStateException clientGone) {
                // From here on the container owns the request's end: it reports the failure and recycles.
                over = true;
                throw new IOException("client gone", clientGone);
            }
        }

        /** The end of the answer: flushed by the thread that has it, then the request completes. */
        private void finish() {
            over = true;
            try {
                response.flushBuffer();
            } catch (IOException | IllegalStateException clientGone) {
                // Nothing to save: the request ends either way.
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyOver) {
                // A failed write made the container end the request itself.
            }
        }

        /** Window for HttpClient: what the container took, returned when asked for or once half the window is owed. */
        private int takeCredit() {
            if (capacity == null || owed == 0 || !(asked || owed >= WINDOW / 2)) {
                return 0;
            }
            int credit = owed;
            owed = 0;
            asked = false;
            return credit;
        }

        /** Outside the lock: the update may take HttpClient's own locks. */
        private void returnCredit(int credit) throws IOException {
            if (credit > 0) {
                capacity.update(credit);
            }
        }
    }
}
