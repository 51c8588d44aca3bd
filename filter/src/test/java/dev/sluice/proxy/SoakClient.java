package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.sluice.testing.Handlers;
import dev.sluice.testing.Http1;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One of the soak's clients: a keep-alive connection to the Tomcat, sending one request of a
 * randomly chosen kind at a time and judging its answer. Every request carries an id; the
 * answer must carry the same id and exactly the bytes the nodes send for it. A cut connection is a
 * clean failure, allowed where a fault was asked for; a complete-looking answer with the wrong
 * bytes, another request's answer, a status the kind does not allow or no answer at all is wrong.
 */
final class SoakClient implements AutoCloseable {
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final String HOT_CLIENT = "10.255.255.1";

    enum Outcome { OK, REFUSED, FAILED, CUT, ABORTED, WRONG }

    /** What the soak sends, how often (of 100), and whether a failure of the upstream may show. */
    enum Kind {
        SMALL_GET(30, false), DOWNLOAD(5, false), POST(18, false), SSE(4, false), SLOW_READER(2, false),
        ABORTED_UPLOAD(2, false), ABORTED_DOWNLOAD(2, false), FAULT(15, true), FLAKY(14, true), APP(8, false);

        final int weight;
        final boolean failureWarranted;

        Kind(int weight, boolean failureWarranted) {
            this.weight = weight;
            this.failureWarranted = failureWarranted;
        }
    }

    record Result(Kind kind, Outcome outcome, long nanos, String wrong) {
    }

    /** A status and head read off the connection. */
    private record Head(int status, List<Map.Entry<String, String>> headers) {
        String header(String name) {
            return Http1.first(headers, name);
        }
    }

    /** An answer that no fault can explain. */
    private static final class WrongAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        WrongAnswer(String message) {
            super(message, null, false, false);
        }
    }

    private final int port;
    private final String context;
    private final SplittableRandom random;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Whether the last answer's connection ends with it. */
    private boolean closing;

    SoakClient(int port, String context, long seed) {
        this.port = port;
        this.context = context;
        this.random = new SplittableRandom(seed);
    }

    /** Sends one request of a random kind, with this id, and judges the answer. */
    Result next(long id) {
        Kind kind = pick();
        closing = false;
        long start = System.nanoTime();
        Outcome outcome;
        String wrong = null;
        try {
            outcome = run(kind, id);
        } catch (WrongAnswer e) {
            outcome = Outcome.WRONG;
            wrong = e.getMessage();
        } catch (SocketTimeoutException e) {
            outcome = Outcome.WRONG;
            wrong = "no answer within " + READ_TIMEOUT_MILLIS + " ms";
        } catch (IOException e) {
            outcome = kind.failureWarranted ? Outcome.CUT : Outcome.WRONG;
            wrong = kind.failureWarranted ? null : "cut without a fault: " + e;
        }
        if ((outcome != Outcome.OK && outcome != Outcome.REFUSED) || closing) {
            disconnect(); // whatever is left on the connection is not the next request's
        }
        return new Result(kind, outcome, System.nanoTime() - start, wrong == null ? null : kind + " id=" + id + ": " + wrong);
    }

    private Kind pick() {
        int roll = random.nextInt(100);
        for (Kind kind : Kind.values()) {
            if ((roll -= kind.weight) < 0) {
                return kind;
            }
        }
        return Kind.SMALL_GET;
    }

    private Outcome run(Kind kind, long id) throws IOException, WrongAnswer {
        return switch (kind) {
            case SMALL_GET -> get(kind, "/steady/bytes", id, random.nextInt(16 * 1024));
            case DOWNLOAD -> get(kind, "/steady/bytes", id, 256 * 1024 + random.nextInt(2 * 1024 * 1024));
            case SLOW_READER -> slowReader(id);
            case POST -> post(id, random.nextInt(10) < 7 ? random.nextInt(16 * 1024) : random.nextInt(300 * 1024), random.nextInt(10) < 3);
            case SSE -> events(id);
            case ABORTED_UPLOAD -> abortedUpload(id);
            case ABORTED_DOWNLOAD -> abortedDownload(id);
            case FAULT -> get(kind, "/steady/" + SoakNodes.Fault.values()[random.nextInt(SoakNodes.Fault.values().length)].path,
                    id, 1024 + random.nextInt(64 * 1024));
            case FLAKY -> get(kind, "/flaky/bytes", id, random.nextInt(64 * 1024));
            case APP -> app(id);
        };
    }

    private Outcome get(Kind kind, String path, long id, int length) throws IOException, WrongAnswer {
        Head head = exchange("GET " + context + path + "?id=" + id + "&len=" + length, steadyClient(), null, false);
        Outcome refused = refusedOrFailed(kind, head);
        if (refused != null) {
            return refused;
        }
        expectId(head, id);
        expectLength(head, length);
        compare(Http1.framedBody(in, head.headers()), SoakNodes.body(id, length), 0);
        return Outcome.OK;
    }

    /** A download read slowly through a small receive window, on a connection of its own. */
    private Outcome slowReader(long id) throws IOException, WrongAnswer {
        disconnect();
        connect(8 * 1024);
        int length = 512 * 1024;
        Head head = exchange("GET " + context + "/steady/bytes?id=" + id + "&len=" + length, steadyClient(), null, false);
        Outcome refused = refusedOrFailed(Kind.SLOW_READER, head);
        if (refused != null) {
            return refused;
        }
        expectId(head, id);
        expectLength(head, length);
        compare(Http1.framedBody(in, head.headers()), SoakNodes.body(id, length), 1);
        disconnect();
        return Outcome.OK;
    }

    private Outcome post(long id, int length, boolean chunked) throws IOException, WrongAnswer {
        Head head = exchange("POST " + context + "/steady/echo?id=" + id, steadyClient(), SoakNodes.body(id, length), chunked);
        Outcome refused = refusedOrFailed(Kind.POST, head);
        if (refused != null) {
            return refused;
        }
        String echo = new String(Http1.framedBody(in, head.headers()).readAllBytes(), ISO_8859_1);
        String sha = Handlers.sha256(SoakNodes.body(id, length));
        if (!echo.contains("?id=" + id + "\n") || !echo.contains("\nbody-length=" + length + "\n") || !echo.contains("\nbody-sha256=" + sha + "\n")) {
            throw new WrongAnswer("the echo does not match the upload of " + length + " bytes: " + echo.lines().filter(l -> l.startsWith("target=") || l.startsWith("body-")).toList());
        }
        return Outcome.OK;
    }

    private Outcome events(long id) throws IOException, WrongAnswer {
        Head head = exchange("GET " + context + "/steady/sse?id=" + id, steadyClient() + "Accept: text/event-stream\r\n", null, false);
        Outcome refused = refusedOrFailed(Kind.SSE, head);
        if (refused != null) {
            return refused;
        }
        expectId(head, id);
        String text = new String(Http1.framedBody(in, head.headers()).readAllBytes(), US_ASCII);
        if (!text.equals(SoakNodes.events(id))) {
            throw new WrongAnswer("event stream differs: " + text.length() + " characters");
        }
        return Outcome.OK;
    }

    /** Sends a fifth of a declared upload, then resets the connection. */
    private Outcome abortedUpload(long id) throws IOException {
        disconnect();
        connect(0);
        int length = 400 * 1024;
        out.write(("POST " + context + "/steady/echo?id=" + id + " HTTP/1.1\r\nHost: soak\r\n" + steadyClient()
                + "Content-Length: " + length + "\r\n\r\n").getBytes(ISO_8859_1));
        out.write(SoakNodes.body(id, length / 5).readAllBytes());
        out.flush();
        abort();
        return Outcome.ABORTED;
    }

    /** Reads the head and a little of a large download, then resets the connection. */
    private Outcome abortedDownload(long id) throws IOException {
        disconnect();
        connect(0);
        out.write(("GET " + context + "/steady/bytes?id=" + id + "&len=" + (4 * 1024 * 1024) + " HTTP/1.1\r\nHost: soak\r\n"
                + steadyClient() + "\r\n").getBytes(ISO_8859_1));
        out.flush();
        in.readNBytes(64 * 1024);
        abort();
        return Outcome.ABORTED;
    }

    private Outcome app(long id) throws IOException, WrongAnswer {
        Head head = exchange("GET " + context + "/app/page?id=" + id, "", null, false);
        String body = new String(Http1.framedBody(in, head.headers()).readAllBytes(), US_ASCII);
        String expected = "app GET " + context + "/app/page";
        if (head.status() != 200 || !body.equals(expected)) {
            throw new WrongAnswer("the application's page answered " + head.status() + " " + body);
        }
        return Outcome.OK;
    }

    /** The outcome of an answer that is not a 200, or null for a 200. */
    private Outcome refusedOrFailed(Kind kind, Head head) throws IOException, WrongAnswer {
        if (head.status() == 200) {
            return null;
        }
        InputStream body = Http1.framedBody(in, head.headers());
        if (body != null) {
            body.transferTo(OutputStream.nullOutputStream());
        }
        if (head.status() == 429) {
            return Outcome.REFUSED;
        }
        if (kind.failureWarranted && (head.status() == 502 || head.status() == 503 || head.status() == 504)) {
            return Outcome.FAILED;
        }
        throw new WrongAnswer("status " + head.status());
    }

    private static void expectId(Head head, long id) throws WrongAnswer {
        if (!Long.toString(id).equals(head.header("X-Soak-Id"))) {
            throw new WrongAnswer("the answer of request " + head.header("X-Soak-Id"));
        }
    }

    private static void expectLength(Head head, long length) throws WrongAnswer {
        String declared = head.header("Content-Length");
        if (declared != null && Long.parseLong(declared) != length) {
            throw new WrongAnswer("Content-Length " + declared + " for a body of " + length);
        }
    }

    /** Reads the body to its end, comparing it with what the nodes send; a slow reader pauses between reads. */
    private static void compare(InputStream body, InputStream expected, long pauseMillis) throws IOException, WrongAnswer {
        if (body == null) {
            throw new WrongAnswer("a 200 without a framed body");
        }
        byte[] got = new byte[4096];
        byte[] want = new byte[4096];
        long offset = 0;
        for (int n; (n = body.read(got)) > 0;) {
            if (expected.readNBytes(want, 0, n) != n || !Arrays.equals(got, 0, n, want, 0, n)) {
                throw new WrongAnswer("body differs from byte " + offset);
            }
            offset += n;
            if (pauseMillis > 0) {
                sleep(pauseMillis);
            }
        }
        if (expected.read() >= 0) {
            throw new WrongAnswer("body complete after " + offset + " bytes, short of its length");
        }
    }

    /** Sends the request and reads the answer's head, once more on a fresh connection if a reused one was closed meanwhile. */
    private Head exchange(String requestLine, String headerLines, InputStream body, boolean chunked) throws IOException {
        boolean reused = socket != null;
        if (!reused) {
            connect(0);
        }
        byte[] bytes = body == null ? null : body.readAllBytes();
        try {
            send(requestLine, headerLines, bytes, chunked);
            String status = Http1.readLine(in);
            if (status != null) {
                Head head = new Head(Integer.parseInt(status.split(" ")[1]), Http1.readHeaders(in));
                closing = "close".equalsIgnoreCase(head.header("Connection"))
                        || (head.header("Content-Length") == null && head.header("Transfer-Encoding") == null);
                return head;
            }
            if (!reused) {
                throw new EOFException("closed before the status line");
            }
        } catch (SocketException e) {
            if (!reused) {
                throw e;
            }
        }
        disconnect();
        return exchange(requestLine, headerLines, bytes == null ? null : new ByteArrayInputStream(bytes), chunked);
    }

    private void send(String requestLine, String headerLines, byte[] body, boolean chunked) throws IOException {
        StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: soak\r\n").append(headerLines);
        if (body != null) {
            head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(ISO_8859_1));
        if (body != null) {
            out.write(chunked ? SluiceInTomcat.chunk(body) : body);
        }
        out.flush();
    }

    /** The client's address as the trusted proxy in front reports it: one of a few thousand, now and then one busy one. */
    private String steadyClient() {
        String address = random.nextInt(10) == 0 ? HOT_CLIENT : "10.0." + random.nextInt(12) + "." + random.nextInt(250);
        return "X-Forwarded-For: " + address + "\r\n";
    }

    private void connect(int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    private void abort() throws IOException {
        socket.setSoLinger(true, 0);
        disconnect();
    }

    private void disconnect() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone either way
            }
            socket = null;
        }
    }

    private static void sleep(long millis) throws SocketTimeoutException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketTimeoutException("interrupted");
        }
    }

    @Override
    public void close() {
        disconnect();
    }
}
