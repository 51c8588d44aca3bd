package dev.sluice.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's floor: the answers of each scenario made by Tomcat itself, with no proxying, in
 * a Tomcat set up like the proxies' own. What a request costs here is what the container costs
 * anyway; a proxy's own work is what it costs beyond that.
 *
 * <ul>
 *   <li>{@code GET /floor/bn/1k}, {@code GET /floor/bn/10m}: that many bytes from memory (S1, S2)</li>
 *   <li>{@code POST /floor/bj/echo}: the request body back (S3)</li>
 *   <li>{@code GET /floor/bj/delay}: 1 KiB after 200 ms, without holding a thread (S4)</li>
 * </ul>
 */
@WebServlet(urlPatterns = "/floor/*", asyncSupported = true)
public class FloorServlet extends HttpServlet {
    private static final byte[] KIB = random(1024);
    private static final byte[] CHUNK = random(64 * 1024);
    private static final int TEN_MIB = 10 * 1024 * 1024;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/octet-stream");
        switch (String.valueOf(request.getPathInfo())) {
            case "/bn/1k" -> {
                response.setContentLength(KIB.length);
                response.getOutputStream().write(KIB);
            }
            case "/bn/10m" -> {
                response.setContentLength(TEN_MIB);
                OutputStream out = response.getOutputStream();
                for (int sent = 0; sent < TEN_MIB; sent += CHUNK.length) {
                    out.write(CHUNK);
                }
            }
            case "/bj/delay" -> {
                AsyncContext async = request.startAsync();
                timer.schedule(() -> {
                    try {
                        response.setContentLength(KIB.length);
                        response.getOutputStream().write(KIB);
                    } catch (IOException clientGone) {
                        // nothing to do: the request ends below either way
                    }
                    async.complete();
                }, 200, TimeUnit.MILLISECONDS);
            }
            default -> response.sendError(404);
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/bj/echo".equals(request.getPathInfo())) {
            response.sendError(404);
            return;
        }
        response.setContentType("application/octet-stream");
        if (request.getContentLengthLong() >= 0) {
            response.setContentLengthLong(request.getContentLengthLong());
        }
        request.getInputStream().transferTo(response.getOutputStream());
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }
}
