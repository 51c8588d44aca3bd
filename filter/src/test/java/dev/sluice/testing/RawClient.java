package dev.sluice.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An HTTP/1.1 client over a plain socket, for what {@code java.net.http} will not send (Connection,
 * Host, Keep-Alive, TE...) or hides (framing, a body cut short, a connection reset).
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final int port;
    private boolean lastWasHead;
    private InputStream body;

    private RawClient(int port) throws IOException {
        this.port = port;
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        this.in = new BufferedInputStream(socket.getInputStream());
    }

    /** Connects to 127.0.0.1; reads time out after 10 s. */
    public static RawClient connect(int port) throws IOException {
        return new RawClient(port);
    }

    /** One GET on a fresh connection with {@code Host: localhost:port} and these extra header lines. */
    public static RawResponse get(int port, String target, String... headerLines) throws IOException {
        try (RawClient client = connect(port)) {
            StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n");
            for (String line : headerLines) {
                head.append(line).append("\r\n");
            }
            client.send(head.append("\r\n").toString(), null);
            return client.readResponse();
        }
    }

    /** The port this client is connected to. */
    public int port() {
        return port;
    }

    /** Writes a request head as given (the caller supplies CRLFs) and an optional body. */
    public void send(String rawHead, byte[] body) throws IOException {
        lastWasHead = rawHead.startsWith("HEAD ");
        sendBytes(rawHead.getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            sendBytes(body);
        }
    }

    public void sendBytes(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    public void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads a whole response; a body cut short comes back with {@code bodyComplete() == false}. */
    public RawResponse readResponse() throws IOException {
        RawResponse head = readResponseHeadOnly();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean complete = true;
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = body.read(buffer)) > 0;) {
                bytes.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            complete = false; // EOF inside the framing, or a reset
        }
        return new RawResponse(head.status(), head.reason(), head.headers(), bytes.toByteArray(), head.wasChunked(), complete);
    }

    /** Reads status line and headers (skipping 1xx); the body is then read with {@link #bodyStream()}. */
    public RawResponse readResponseHeadOnly() throws IOException {
        for (;;) {
            String statusLine = Http1.readLine(in);
            if (statusLine == null) {
                throw new SocketException("connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            List<Map.Entry<String, String>> headers = Http1.readHeaders(in);
            if (status >= 100 && status < 200) {
                continue;
            }
            boolean chunked = Http1.isChunked(headers);
            String length = Http1.first(headers, "Content-Length");
            if (lastWasHead || status == 204 || status == 304) {
                body = InputStream.nullInputStream();
            } else if (chunked) {
                body = new Http1.Chunked(in);
            } else if (length != null) {
                body = new Http1.FixedLength(in, Long.parseLong(length));
            } else {
                body = in;
            }
            return new RawResponse(status, parts.length > 2 ? parts[2] : "", headers, new byte[0], chunked, false);
        }
    }

    /** The current response's body, de-chunked, as it arrives. */
    public InputStream bodyStream() {
        return body;
    }

    /** Whether the server closed the connection: waits up to {@code millis} for EOF or a reset. */
    public boolean isClosedByPeer(int millis) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /** Resets the connection (RST) as a client that vanishes would. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
