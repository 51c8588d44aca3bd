package dev.sluice.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket to 127.0.0.1, for what {@code java.net.http} will
 * not send (Connection, Host, Keep-Alive, Upgrade, TE...) or hides (framing, a body cut short, a
 * reset). Reads time out with {@link SocketTimeoutException} (10 s unless told otherwise).
 */
public final class RawClient implements AutoCloseable {
    private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_CHECK = Duration.ofMillis(500);

    private final Socket socket;
    private final BufferedInputStream in;
    private boolean lastWasHead;
    private InputStream body = InputStream.nullInputStream();

    private RawClient(int port, Duration readTimeout) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        setReadTimeout(readTimeout);
    }

    /** Connects to 127.0.0.1:port; reads time out after 10 s. */
    public static RawClient connect(int port) throws IOException {
        return connect(port, DEFAULT_READ_TIMEOUT);
    }

    /** Connects to 127.0.0.1:port with this read timeout. */
    public static RawClient connect(int port, Duration readTimeout) throws IOException {
        return new RawClient(port, readTimeout);
    }

    /**
     * One GET on a fresh connection, closed afterwards. Adds {@code Host: localhost:<port>} unless
     * one of {@code headerLines} (each {@code "Name: value"}, no CRLF) is a Host line.
     */
    public static RawResponse get(int port, String target, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
        if (List.of(headerLines).stream().noneMatch(line -> line.regionMatches(true, 0, "Host:", 0, 5))) {
            head.append("Host: localhost:").append(port).append("\r\n");
        }
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        try (RawClient client = connect(port)) {
            client.send(head.append("\r\n").toString(), null);
            return client.readResponse();
        }
    }

    public void setReadTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
    }

    /**
     * Writes a request head exactly as given (the caller supplies every CRLF, including the empty
     * line; chars are sent as ISO-8859-1 bytes) and then {@code body} if not null.
     */
    public void send(String rawRequestHead, byte[] body) throws IOException {
        lastWasHead = rawRequestHead.startsWith("HEAD ");
        sendBytes(rawRequestHead.getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            sendBytes(body);
        }
    }

    /** Writes bytes as given, flushed. */
    public void sendBytes(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /**
     * Reads a whole response into memory. If the connection closes or resets before the framing
     * says the body ended, returns what arrived with {@code bodyComplete() == false}; a read
     * timeout throws {@link SocketTimeoutException}.
     */
    public RawResponse readResponse() throws IOException {
        RawResponse head = readResponseHeadOnly();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean complete = true;
        try {
            body.transferTo(bytes);
        } catch (EOFException | SocketException e) {
            complete = false;
        }
        return new RawResponse(head.status(), head.reason(), head.headers(), bytes.toByteArray(),
                head.wasChunked(), complete);
    }

    /**
     * Reads the status line and headers, skipping interim 1xx responses (but not 101); the body is
     * then read from {@link #bodyStream()}, and must be before the next response is read.
     */
    public RawResponse readResponseHeadOnly() throws IOException {
        for (;;) {
            String statusLine = Http1.readLine(in);
            if (statusLine == null) {
                throw new EOFException("connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("\\d{3}")) {
                throw new ProtocolException("malformed status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            List<Map.Entry<String, String>> headers = Http1.readHeaders(in);
            if (status / 100 != 1 || status == 101) {
                body = bodyOf(status, headers);
                return new RawResponse(status, parts.length > 2 ? parts[2] : "", headers, new byte[0],
                        Http1.isChunked(headers), false);
            }
        }
    }

    private InputStream bodyOf(int status, List<Map.Entry<String, String>> headers) throws ProtocolException {
        if (status == 101) {
            return in; // the connection now speaks the upgraded protocol
        }
        if (lastWasHead || status == 204 || status == 304) {
            return InputStream.nullInputStream();
        }
        InputStream framed = Http1.framedBody(in, headers);
        return framed == null ? in : framed; // no framing: the body ends when the connection does
    }

    /**
     * The current response's body, de-chunked, as it arrives: EOF where the framing says it ends,
     * EOFException or SocketException if the connection ends first.
     */
    public InputStream bodyStream() {
        return body;
    }

    /** Whether the peer has closed or reset the connection, waiting up to 500 ms for it. */
    public boolean isClosedByPeer() throws IOException {
        return isClosedByPeer(CLOSE_CHECK);
    }

    /**
     * Whether the peer has closed or reset the connection, waiting up to {@code wait} for it. False
     * if the wait ends or bytes arrive; those bytes are kept for the next read.
     */
    public boolean isClosedByPeer(Duration wait) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(Math.toIntExact(Math.max(1, wait.toMillis())));
        in.mark(1);
        try {
            if (in.read() < 0) {
                return true;
            }
            in.reset();
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** Resets the connection (SO_LINGER 0, so the peer sees RST), as a client that vanishes would. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
