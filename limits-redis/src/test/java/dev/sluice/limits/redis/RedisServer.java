package dev.sluice.limits.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code redis-server} on a free loopback port, without persistence, stopped by its PID.
 * It can be killed, started again on the same port, paused and resumed, as an operator or a
 * crash would.
 */
final class RedisServer implements AutoCloseable {
    private static final Pattern SCRIPT_CALLS = Pattern.compile("cmdstat_eval(?:sha)?:calls=(\\d+)");
    private final int port;
    private final Path dir;
    private final List<String> extra;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    /** Starts one on a free port. */
    static RedisServer launch(String... extraArguments) throws IOException {
        RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("sluice-redis"), List.of(extraArguments));
        server.start();
        return server;
    }

    /** A server not started yet, on a port nobody listens on. */
    static RedisServer notStarted() throws IOException {
        return new RedisServer(freePort(), Files.createTempDirectory("sluice-redis"), List.of());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Starts (or starts again) the process, and waits until it answers PING. */
    void start() throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--enable-debug-command", "local"));
        command.addAll(extra);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if (command("PING").equals("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IOException("redis-server did not start on port " + port + ": " + Files.readString(dir.resolve("redis.log")), notYet);
                }
            }
            sleep(20);
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the process from running (SIGSTOP): it holds its connections and answers nothing. */
    void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String which) throws IOException, InterruptedException {
        new ProcessBuilder("kill", which, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /**
     * Sends one command in RESP, arguments as given, and returns the first line of the answer
     * (a bulk string's whole value instead of its length).
     */
    String command(String... arguments) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(5_000);
            StringBuilder request = new StringBuilder("*" + arguments.length + "\r\n");
            for (String argument : arguments) {
                request.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(argument).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String line = readLine(in);
            if (line.startsWith("$") && !line.equals("$-1")) {
                return new String(in.readNBytes(Integer.parseInt(line.substring(1))), StandardCharsets.UTF_8);
            }
            return line;
        }
    }

    /**
     * Blocks the server for that many seconds ({@code DEBUG SLEEP}, sent from a thread of its own)
     * and returns once it is seen asleep (a {@code PING} goes unanswered for 25 ms), however loaded
     * the machine; join the thread to wait for the server's answer.
     */
    Thread asleep(double seconds) throws InterruptedException, IOException {
        Thread sleeper = new Thread(() -> {
            try {
                command("DEBUG", "SLEEP", Double.toString(seconds));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        sleeper.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (answersPingWithin(25)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis did not go to sleep within 5 s");
            }
            Thread.sleep(5);
        }
        return sleeper;
    }

    private boolean answersPingWithin(int millis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            readLine(socket.getInputStream());
            return true;
        } catch (SocketTimeoutException asleep) {
            return false;
        }
    }

    /** Scripts this server ran ({@code EVALSHA} and {@code EVAL}): decisions, and heartbeats. */
    long scriptCalls() throws IOException {
        Matcher calls = SCRIPT_CALLS.matcher(command("INFO", "commandstats"));
        long sum = 0;
        while (calls.find()) {
            sum += Long.parseLong(calls.group(1));
        }
        return sum;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (b == -1 && line.length() == 0) {
            throw new IOException("connection closed");
        }
        return line.toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            resume();
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
