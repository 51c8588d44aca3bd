package dev.sluice.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 origin on 127.0.0.1 for tests: raw sockets, a thread per connection, keep-alive,
 * every request recorded as received, and handlers that can answer in any shape, including broken
 * ones (cut bodies, resets, raw bytes).
 */
public final class TestOrigin implements AutoCloseable {
    private static final int KEEP_BODY = 1024 * 1024;

    /** What a test origin does with each request. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    private final String name;
    private final Handler handler;
    private final ServerSocket server;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;

    private TestOrigin(String name, Handler handler) throws IOException {
        this.name = name;
        this.handler = handler;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    /** Starts an origin on an ephemeral loopback port. */
    public static TestOrigin start(String name, Handler handler) throws IOException {
        TestOrigin origin = new TestOrigin(name, handler);
        Thread acceptor = new Thread(origin::acceptLoop, "origin-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return origin;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String name() {
        return name;
    }

    /** The requests received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }

    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Connections open right now. */
    public int openConnections() {
        return open.size();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.add(socket);
                Thread worker = new Thread(() -> serve(socket), "origin-" + name + "-" + socket.getPort());
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (!closed) {
                    e.printStackTrace();
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            for (;;) {
                String requestLine = Http1.readLine(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                String[] parts = requestLine.split(" ", 3);
                List<Map.Entry<String, String>> headers = Http1.readHeaders(in);
                RecordedRequest request = new RecordedRequest(name, parts[0], parts[1], headers, socket.getPort());
                requests.add(request);
                RecordingBody body = new RecordingBody(requestBody(in, headers), request);
                Response response = new Response(socket, out);
                handler.handle(new Exchange(request, body, response));
                body.transferTo(OutputStream.nullOutputStream());
                if (response.closed) {
                    return;
                }
                response.finish();
                String connection = request.header("Connection");
                if (connection != null && connection.equalsIgnoreCase("close")) {
                    return;
                }
            }
        } catch (Exception e) {
            // The peer went away or a handler broke the connection on purpose.
        } finally {
            open.remove(socket);
        }
    }

    private static InputStream requestBody(InputStream in, List<Map.Entry<String, String>> headers) {
        if (Http1.isChunked(headers)) {
            return new Http1.Chunked(in);
        }
        String length = Http1.first(headers, "Content-Length");
        return new Http1.FixedLength(in, length == null ? 0 : Long.parseLong(length));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** One request and its response, as a handler sees them. */
    public static final class Exchange {
        private final RecordedRequest request;
        private final InputStream body;
        private final Response response;

        Exchange(RecordedRequest request, InputStream body, Response response) {
            this.request = request;
            this.body = body;
            this.response = response;
        }

        /** The request line and headers (body figures once the body was read). */
        public RecordedRequest request() {
            return request;
        }

        /** The request body, de-chunked, read as it arrives. */
        public InputStream body() {
            return body;
        }

        public Response response() {
            return response;
        }
    }

    /** Writes the response exactly as told, right or wrong. */
    public static final class Response {
        private final Socket socket;
        private final OutputStream out;
        private final List<String[]> headers = new ArrayList<>();
        private int status = 200;
        private String reason = "OK";
        private boolean headSent;
        private boolean chunked;
        private boolean ended;
        private boolean closed;

        Response(Socket socket, OutputStream out) {
            this.socket = socket;
            this.out = out;
        }

        public Response status(int code, String reasonPhrase) {
            this.status = code;
            this.reason = reasonPhrase;
            return this;
        }

        /** Adds a header line as given, hop-by-hop or not. */
        public Response header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        /** A complete response with this body; Content-Length is added unless framing was set. */
        public void send(byte[] body) throws IOException {
            if (!hasHeader("Content-Length") && !hasHeader("Transfer-Encoding")) {
                header("Content-Length", Integer.toString(body.length));
            }
            writeHead();
            out.write(body);
            out.flush();
            ended = true;
        }

        public void startChunked() throws IOException {
            header("Transfer-Encoding", "chunked");
            chunked = true;
            writeHead();
            out.flush();
        }

        /** Writes and flushes one chunk. */
        public void chunk(byte[] data) throws IOException {
            out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        public void endChunked() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ended = true;
        }

        /** Sends the head with this Content-Length; the body follows with {@link #write}. */
        public void startFixed(long contentLength) throws IOException {
            header("Content-Length", Long.toString(contentLength));
            writeHead();
        }

        public void write(byte[] data) throws IOException {
            out.write(data);
        }

        /** Raw bytes, for malformed responses. */
        public void writeRaw(byte[] data) throws IOException {
            headSent = true;
            out.write(data);
            out.flush();
        }

        public void flush() throws IOException {
            out.flush();
        }

        /** Resets the connection (RST), mid-response if need be. */
        public void closeAbruptly() throws IOException {
            closed = true;
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Closes the connection normally, mid-response if need be. */
        public void closeNow() throws IOException {
            closed = true;
            out.flush();
            socket.close();
        }

        private boolean hasHeader(String name) {
            return headers.stream().anyMatch(h -> h[0].equalsIgnoreCase(name));
        }

        private void writeHead() throws IOException {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
            for (String[] h : headers) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            headSent = true;
        }

        /** After the handler: a handler that said nothing answers 200, empty. */
        void finish() throws IOException {
            if (!headSent) {
                send(new byte[0]);
            } else if (chunked && !ended) {
                endChunked();
            }
            out.flush();
        }
    }

    /** Counts, digests and (up to 1 MiB) keeps the body as it is read; records it at its end. */
    private static final class RecordingBody extends InputStream {
        private final InputStream in;
        private final RecordedRequest request;
        private final MessageDigest digest;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long length;
        private boolean recorded;

        RecordingBody(InputStream in, RecordedRequest request) throws NoSuchAlgorithmException {
            this.in = in;
            this.request = request;
            this.digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                if (!recorded) {
                    recorded = true;
                    request.bodyRead(length, HexFormat.of().formatHex(digest.digest()),
                            length <= KEEP_BODY ? kept.toByteArray() : null);
                }
                return -1;
            }
            digest.update(b, off, n);
            if (length + n <= KEEP_BODY) {
                kept.write(b, off, n);
            }
            length += n;
            return n;
        }
    }
}
