import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket bench's client (JDK only): {@code java EchoLoad.java echo URL CONNECTIONS BYTES SECONDS}
 * keeps CONNECTIONS WebSockets each sending one binary message of BYTES, the next once its echo
 * came back whole, and prints round trips per second, MiB/s echoed and the round trip's p50 and
 * p99. {@code java EchoLoad.java idle URL CONNECTIONS} opens that many, prints {@code open N} and
 * holds them, sending nothing, until its standard input closes.
 */
public final class EchoLoad {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create(args[1]);
        int connections = Integer.parseInt(args[2]);
        if (args[0].equals("idle")) {
            List<WebSocket> open = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                open.add(client.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() { }).get(30, TimeUnit.SECONDS));
            }
            System.out.println("open " + open.size());
            System.in.read();
            open.forEach(WebSocket::abort);
            return;
        }
        int bytes = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        byte[] message = new byte[bytes];
        Arrays.fill(message, (byte) 'x');
        List<Echoer> echoers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Echoer echoer = new Echoer(message);
            echoer.socket = client.newWebSocketBuilder().buildAsync(uri, echoer).get(30, TimeUnit.SECONDS);
            echoers.add(echoer);
        }
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        echoers.forEach(echoer -> echoer.next(end));
        for (Echoer echoer : echoers) {
            echoer.done.get(seconds + 30, TimeUnit.SECONDS);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long trips = 0;
        List<Long> times = new ArrayList<>();
        for (Echoer echoer : echoers) {
            trips += echoer.trips.get();
            times.addAll(echoer.times);
            echoer.socket.abort();
        }
        times.sort(null);
        System.out.printf("round-trips/s %.0f MiB/s %.1f p50-ms %.2f p99-ms %.2f%n", trips / elapsed,
                trips * (double) bytes / elapsed / (1024 * 1024), percentile(times, 0.50), percentile(times, 0.99));
    }

    private static double percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * p)) / 1e6;
    }

    /** One connection's loop: a message out, its echo back whole, the next. */
    static final class Echoer implements WebSocket.Listener {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final AtomicLong trips = new AtomicLong();
        final List<Long> times = new ArrayList<>();
        private final byte[] message;
        private long end;
        private long sentAt;
        private int received;
        WebSocket socket;

        Echoer(byte[] message) {
            this.message = message;
        }

        void next(long until) {
            end = until;
            send();
        }

        /**
         * The JDK's WebSocket takes one send at a time, and may still count the last one pending
         * when its echo is back: then the send is tried again a moment later.
         */
        private void send() {
            sentAt = System.nanoTime();
            try {
                socket.sendBinary(ByteBuffer.wrap(message), true).whenComplete((ignored, error) -> {
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    if (cause instanceof IllegalStateException) {
                        sendAgain();
                    } else if (error != null) {
                        done.completeExceptionally(error);
                    }
                });
            } catch (IllegalStateException pending) {
                sendAgain();
            }
        }

        private void sendAgain() {
            CompletableFuture.delayedExecutor(100, TimeUnit.MICROSECONDS).execute(this::send);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            received += data.remaining();
            webSocket.request(1);
            if (received >= message.length) {
                received = 0;
                long now = System.nanoTime();
                times.add(now - sentAt);
                trips.incrementAndGet();
                if (now < end) {
                    next(end);
                } else {
                    done.complete(null);
                }
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
