package dev.sluice.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A real HTTP/1.1 origin on 127.0.0.1 for tests: plain sockets, a daemon thread per connection,
 * keep-alive, every request recorded exactly as received, and handlers that can answer in any
 * shape, including broken ones (cut bodies, resets, raw bytes).
 */
public final class TestOrigin implements AutoCloseable {

    /** What an origin does with each request. Throwing closes the connection. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** One request as a handler sees it: called before the request body was read. */
    public static final class Exchange {
        private final RecordedRequest request;
        private final InputStream body;
        private final Response response;
        private final InputStream connection;

        Exchange(RecordedRequest request, InputStream body, Response response, InputStream connection) {
            this.request = request;
            this.body = body;
            this.response = response;
            this.connection = connection;
        }

        /** The request line and headers; body figures once the body was read to its end. */
        public RecordedRequest request() {
            return request;
        }

        /** The request body, de-chunked, read as it arrives; the origin drains what is left unread. */
        public InputStream body() {
            return body;
        }

        public Response response() {
            return response;
        }

        /**
         * Reads the rest of the request body, then blocks until the peer closes or resets the
         * connection (or the origin closes), discarding anything else it sends, and closes the
         * connection. For handlers that must notice a client giving up.
         */
        public void awaitPeerClose() throws IOException {
            body.transferTo(OutputStream.nullOutputStream());
            try {
                connection.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // a reset ends the wait as well as an EOF does
            } finally {
                response.drop();
            }
        }
    }

    private final String name;
    private final Handler handler;
    private final ServerSocket server;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<Socket, Thread> connections = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    private TestOrigin(String name, Handler handler, ServerSocket server) {
        this.name = name;
        this.handler = handler;
        this.server = server;
    }

    /** Starts an origin listening on an ephemeral port of 127.0.0.1. */
    public static TestOrigin start(String name, Handler handler) throws IOException {
        return startOn(0, name, handler);
    }

    /** Starts an origin on this port of 127.0.0.1: a node that went down coming back where it was. */
    public static TestOrigin startOn(int port, String name, Handler handler) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true); // the port of a node just closed may still have connections in TIME_WAIT
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return started(new TestOrigin(name, handler, server));
    }

    /**
     * Starts an HTTPS origin listening on an ephemeral port of 127.0.0.1.
     *
     * @param tls the server's key and, for client authentication, its trust
     * @param needClientAuth whether a client without a trusted certificate fails the handshake
     */
    public static TestOrigin startTls(String name, Handler handler, SSLContext tls, boolean needClientAuth) throws IOException {
        SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 200, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(needClientAuth);
        return started(new TestOrigin(name, handler, server));
    }

    private static TestOrigin started(TestOrigin origin) {
        daemon("origin-" + origin.name + "-accept", origin::acceptLoop).start();
        return origin;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String name() {
        return name;
    }

    /** The requests received so far, oldest first, as an immutable snapshot. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Forgets the requests received so far (the counters are kept). */
    public void clear() {
        requests.clear();
    }

    /** Connections accepted since start. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Connections open right now. */
    public int openConnections() {
        return connections.size();
    }

    /** Closes the listener and every open connection, and interrupts handlers still running. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        connections.forEach(TestOrigin::shutDown);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    e.printStackTrace();
                }
                return;
            }
            accepted.incrementAndGet();
            Thread worker = daemon("origin-" + name + "-" + socket.getPort(), () -> serve(socket));
            connections.put(socket, worker);
            worker.start();
            if (closed) { // close() may have run between accept() and put()
                shutDown(socket, worker);
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true); // a flushed chunk must leave at once, not wait for an ACK
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            for (RecordedRequest request; (request = readHead(in, socket.getPort())) != null;) {
                requests.add(request);
                if (!exchange(request, in, new Response(socket, out, request.method().equals("HEAD")))) {
                    return;
                }
            }
        } catch (IOException e) {
            // The peer went away, sent something unparseable, or the origin is closing.
        } finally {
            connections.remove(socket);
        }
    }

    /** The next request line and headers, or {@code null} when the peer closed between requests. */
    private RecordedRequest readHead(InputStream in, int remotePort) throws IOException {
        String line;
        do { // empty lines before a request line are tolerated (RFC 9112, 2.2)
            line = Http1.readLine(in);
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        String[] parts = line.split(" ", 3);
        if (parts.length != 3) {
            throw new ProtocolException("malformed request line: " + line);
        }
        return new RecordedRequest(name, parts[0], parts[1], parts[2], Http1.readHeaders(in), remotePort);
    }

    /** Runs the handler on one request; true if the connection may carry another. */
    private boolean exchange(RecordedRequest request, InputStream in, Response response) throws IOException {
        InputStream framed = Http1.framedBody(in, request.headers());
        RecordingBody body = new RecordingBody(framed == null ? InputStream.nullInputStream() : framed, request);
        try {
            handler.handle(new Exchange(request, body, response, in));
        } catch (Exception e) {
            if (!closed && !(e instanceof IOException) && !(e instanceof InterruptedException)) {
                System.err.println("TestOrigin " + name + ": handler failed on " + request);
                e.printStackTrace();
            }
            response.flushQuietly();
            return false;
        }
        if (response.state == Response.State.CLOSED) {
            return false;
        }
        body.transferTo(OutputStream.nullOutputStream());
        return response.finish() && wantsKeepAlive(request);
    }

    private static boolean wantsKeepAlive(RecordedRequest request) {
        if (Http1.hasToken(request.headers(), "Connection", "close")) {
            return false;
        }
        return !request.version().equals("HTTP/1.0") || Http1.hasToken(request.headers(), "Connection", "keep-alive");
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void shutDown(Socket socket, Thread worker) {
        closeQuietly(socket);
        worker.interrupt(); // wakes handlers that sleep or wait, such as Handlers.hang()
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    /**
     * The answer to one request, written exactly as told, right or wrong. Header values and the
     * status line are sent as ISO-8859-1. For a HEAD request body bytes are counted but not sent.
     */
    public static final class Response {
        private enum State { NOTHING, RAW, FIXED, CHUNKED, DONE, CLOSED }

        private static final byte[] CRLF = {'\r', '\n'};

        private final Socket socket;
        private final OutputStream out;
        private final OutputStream bodyOut;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private int status = 200;
        private String reason = "OK";
        private State state = State.NOTHING;
        private long fixedLeft;

        Response(Socket socket, OutputStream out, boolean head) {
            this.socket = socket;
            this.out = out;
            this.bodyOut = head ? OutputStream.nullOutputStream() : out;
        }

        /** Sets the status line's code and reason phrase (default {@code 200 OK}). */
        public Response status(int code, String reasonPhrase) {
            this.status = code;
            this.reason = reasonPhrase;
            return this;
        }

        /** Adds a header line as given, hop-by-hop or framing headers included; nothing is checked. */
        public Response header(String name, String value) {
            headers.add(new SimpleImmutableEntry<>(name, value));
            return this;
        }

        /**
         * A complete response with this body, flushed. Content-Length is added unless the handler set
         * Content-Length or Transfer-Encoding itself (or the status forbids a body).
         */
        public void send(byte[] body) throws IOException {
            boolean bodyAllowed = status >= 200 && status != 204 && status != 304;
            if (bodyAllowed && !hasHeader("Content-Length") && !hasHeader("Transfer-Encoding")) {
                header("Content-Length", Integer.toString(body.length));
            }
            writeHead(State.DONE);
            bodyOut.write(body);
            out.flush();
        }

        /** Sends the head with {@code Transfer-Encoding: chunked} (unless already set), flushed. */
        public void startChunked() throws IOException {
            if (!hasHeader("Transfer-Encoding")) {
                header("Transfer-Encoding", "chunked");
            }
            writeHead(State.CHUNKED);
            out.flush();
        }

        /** Writes and flushes one chunk; an empty array is skipped, as it would end the body. */
        public void chunk(byte[] data) throws IOException {
            if (data.length > 0) {
                bodyOut.write(Integer.toHexString(data.length).getBytes(StandardCharsets.US_ASCII));
                bodyOut.write(CRLF);
                bodyOut.write(data);
                bodyOut.write(CRLF);
                out.flush();
            }
        }

        /** Writes the last chunk (no trailers), flushed. A handler that forgets it gets it on return. */
        public void endChunked() throws IOException {
            bodyOut.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            state = State.DONE;
        }

        /**
         * Sends the head with this Content-Length (not flushed); the body follows with {@link #write}.
         * If the handler returns before writing it all, the connection is closed.
         */
        public void startFixed(long contentLength) throws IOException {
            header("Content-Length", Long.toString(contentLength));
            fixedLeft = contentLength;
            writeHead(contentLength == 0 ? State.DONE : State.FIXED);
        }

        /** Body bytes, buffered: call {@link #flush()} to push them out now. */
        public void write(byte[] data) throws IOException {
            write(data, 0, data.length);
        }

        public void write(byte[] data, int offset, int length) throws IOException {
            bodyOut.write(data, offset, length);
            if (state == State.FIXED && (fixedLeft -= length) <= 0) {
                state = State.DONE;
            }
        }

        /**
         * Raw bytes straight to the socket, flushed, for malformed responses. Unless a normal
         * response follows, the connection is closed when the handler returns.
         */
        public void writeRaw(byte[] data) throws IOException {
            out.write(data);
            out.flush();
            state = State.RAW;
        }

        public void flush() throws IOException {
            out.flush();
        }

        /** Resets the connection (SO_LINGER 0, so the peer sees RST). Unflushed bytes are lost. */
        public void closeAbruptly() throws IOException {
            state = State.CLOSED;
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Flushes and closes the connection with a FIN, mid-response if need be. */
        public void closeNow() throws IOException {
            state = State.CLOSED;
            try {
                out.flush();
                socket.shutdownOutput(); // the FIN goes out even if unread request bytes turn close into a reset
            } finally {
                socket.close();
            }
        }

        private boolean hasHeader(String name) {
            return Http1.first(headers, name) != null;
        }

        private void writeHead(State next) throws IOException {
            if (state != State.NOTHING && state != State.RAW) {
                throw new IllegalStateException("response already started");
            }
            String head = "HTTP/1.1 " + status + " " + reason + "\r\n" + Http1.headerLines(headers) + "\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            state = next;
        }

        /** Completes what the handler left open; true if the connection may carry another exchange. */
        boolean finish() throws IOException {
            if (state == State.NOTHING) {
                send(new byte[0]);
            } else if (state == State.CHUNKED) {
                endChunked();
            }
            out.flush();
            return state == State.DONE && !Http1.hasToken(headers, "Connection", "close");
        }

        void drop() {
            state = State.CLOSED;
            closeQuietly(socket);
        }

        void flushQuietly() {
            try {
                out.flush();
            } catch (IOException e) {
                // the connection is being dropped anyway
            }
        }
    }
}
