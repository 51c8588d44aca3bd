package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.routing.RequestPaths;
import dev.sluice.testing.Handlers;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.TestOrigin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * Seeded random requests on the wire (methods, targets, headers and bodies, valid and not): each
 * is answered with a 4xx or the origin's own echo of it, never a 5xx of Sluice's, never a stack
 * trace, never by silence; and an origin only ever sees targets inside its route.
 */
class FuzzedRequestsTest extends SluiceInTomcat {
    /** How many requests are sent; under a minute's work. */
    static final int REQUESTS = 2_000;
    private static final long SEED = 0xF0221EDL;
    private static final int READ_TIMEOUT_MS = 5_000;
    private static final int MAX_RESPONSE = 1 << 20;
    /**
     * A frame of the filter chain or of Sluice. Tomcat's own error page (in its default
     * configuration) shows the trace of a request line or header it could not parse; those frames
     * are all in its connector, before any application code.
     */
    private static final Pattern FRAME_PAST_THE_PARSER = Pattern.compile(
            "\\t(at )?(dev\\.sluice\\.|org\\.apache\\.catalina\\.|jakarta\\.servlet\\.)");
    /** The innermost frame of this project's code, Sluice's or the test application's. */
    private static final Pattern INNERMOST_OWN_FRAME = Pattern.compile("\\t(at )?dev\\.sluice\\.([\\w.$]+)");
    private static final Pattern BODY_LENGTH = Pattern.compile("\nbody-length=(\\d+)\n");

    private static TestOrigin api;
    private static TestOrigin secret;

    @Deployment(testable = false)
    static WebArchive deployment() throws IOException {
        api = origin("api", Handlers.echo());
        secret = origin("secret", Handlers.echo());
        return SluiceDeployment.war("wirefuzz",
                SluiceDeployment.route("api", "127.0.0.1:" + api.port(), "health.max-fails=0")
                        + SluiceDeployment.route("secret", "127.0.0.1:" + secret.port(), "health.max-fails=0"));
    }

    @Test
    void randomRequestsGetA4xxOrTheirOwnEchoAndNeverLeaveTheirRoute() throws IOException {
        Random random = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < REQUESTS && wrong.size() < 10; i++) {
            FuzzedRequest request = FuzzedRequest.random(random, inApplication(""), port());
            String problem = check(request, exchange(request.bytes, request.halfClose));
            int status = lastStatus;
            statuses.merge(status, 1, Integer::sum);
            if (problem != null) {
                wrong.add("request " + i + ": " + problem + "\n  sent: " + request.shown());
            }
        }
        for (RecordedRequest seen : api.requests()) {
            outsideRoute(seen, inApplication("/api"), wrong);
        }
        for (RecordedRequest seen : secret.requests()) {
            outsideRoute(seen, inApplication("/secret"), wrong);
        }
        System.out.println("FuzzedRequestsTest: " + REQUESTS + " requests, statuses " + statuses + ", api origin saw "
                + api.requests().size() + ", secret origin saw " + secret.requests().size());
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void anUploadTheClientStopsSendingMidBodyIsRefusedWithoutAStackTrace() throws IOException {
        byte[] body = new byte[200 * 1024]; // over the request buffer: it streams
        byte[] request = concat(("PUT " + inApplication("/api/cut") + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Length: " + (body.length + 50_000) + "\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1), body);
        String answer = new String(exchange(request, true), ISO_8859_1);
        // The container may also just close: the client has stopped sending, and may be gone.
        assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), abbreviated(answer));
        assertFalse(isSluicesTrace(answer), answer);
    }

    @Test
    void anOptionsRequestWithABodyButNoContentTypeIsRefused400WithoutReachingTheNode() throws IOException {
        String answer = optionsWithFiveBytes("");
        assertTrue(answer.startsWith("HTTP/1.1 400"), abbreviated(answer));
        assertEquals(0, api.requests().size(), "requests the node saw");
    }

    @Test
    void anOptionsRequestWithATypedBodyIsForwarded() throws IOException {
        String answer = optionsWithFiveBytes("Content-Type: text/plain\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200"), abbreviated(answer));
        assertTrue(answer.contains("\nbody-length=5\n"), abbreviated(answer));
    }

    private String optionsWithFiveBytes(String headerLines) throws IOException {
        byte[] request = ("OPTIONS " + inApplication("/api/o") + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                + headerLines + "Connection: close\r\n\r\nhello").getBytes(ISO_8859_1);
        return new String(exchange(request, false), ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private int lastStatus;

    /** What is wrong with the answer, or {@code null}. */
    private String check(FuzzedRequest request, byte[] answer) {
        if (answer == null) {
            lastStatus = -1;
            return "no answer within " + READ_TIMEOUT_MS + " ms";
        }
        String text = new String(answer, ISO_8859_1);
        while (text.startsWith("HTTP/1.1 100 ") && text.contains("\r\n\r\n")) {
            text = text.substring(text.indexOf("\r\n\r\n") + 4); // the final answer follows an interim one
        }
        if (text.isEmpty()) {
            lastStatus = 0; // closed without an answer: garbage the container would not parse
            return null;
        }
        Matcher statusLine = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(text);
        if (!statusLine.find()) {
            lastStatus = -2;
            return "not an HTTP/1.1 answer: " + abbreviated(text);
        }
        int status = Integer.parseInt(statusLine.group(1));
        lastStatus = status;
        if (isSluicesTrace(text)) {
            return "a stack trace from past the container's parser in the answer: " + abbreviated(text)
                    + text.lines().filter(line -> line.startsWith("\t")).toList();
        }
        if (status >= 500 && !refusedByTomcatBeforeSluice(status, text)) {
            return "answered " + status + ": " + abbreviated(text);
        }
        if (status == 200 && text.contains("\norigin=")) {
            if (!text.contains("method=" + request.method + "\n")) {
                return "the echo is of another method: " + abbreviated(text);
            }
            Matcher length = BODY_LENGTH.matcher(text);
            if (request.bodyLength >= 0 && (!length.find() || Long.parseLong(length.group(1)) != request.bodyLength)) {
                return "the origin got another body than the " + request.bodyLength + " bytes sent: " + abbreviated(text);
            }
        }
        return null;
    }

    /**
     * Whether the answer shows a stack trace that passed through Sluice or the filter chain, and
     * not one of the test application's own servlet (which Tomcat 11 shows for a query it cannot
     * decode, when the servlet asks for a parameter).
     */
    private static boolean isSluicesTrace(String text) {
        if (!FRAME_PAST_THE_PARSER.matcher(text).find()) {
            return false;
        }
        Matcher own = INNERMOST_OWN_FRAME.matcher(text);
        return !(own.find() && own.group(2).startsWith("proxy.AppServlet."));
    }

    /**
     * Tomcat answers a transfer coding it does not know with 501 and an HTTP version it does not
     * speak with 505, in its own HTML error page, before any filter runs.
     */
    private static boolean refusedByTomcatBeforeSluice(int status, String text) {
        return (status == 501 || status == 505) && text.contains("<h1>HTTP Status " + status);
    }

    private static void outsideRoute(RecordedRequest seen, String routePath, List<String> wrong) {
        String target = seen.target();
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        if (!RequestPaths.startsWithSegments(RequestPaths.forMatching(path), routePath) || !RequestPaths.isUnambiguous(path)) {
            wrong.add("origin " + seen.originName() + " saw a target outside " + routePath + ": " + abbreviated(target));
        }
    }

    /** Sends the request and reads the answer until the connection closes; {@code null} on a read timeout. */
    private byte[] exchange(byte[] request, boolean halfClose) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port())) {
            socket.setSoTimeout(READ_TIMEOUT_MS);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                // The server answered and closed before taking everything: read what it said.
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0 && answer.size() < MAX_RESPONSE;) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                // reset after an answer: what arrived is what the client saw
            }
            return answer.toByteArray();
        }
    }

    static String abbreviated(String text) {
        String flat = text.replace("\r", "\\r").replace("\n", "\\n");
        return flat.length() > 300 ? flat.substring(0, 300) + "...(" + flat.length() + " chars)" : flat;
    }
}
