import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * An open load: GET requests sent at a fixed rate, whatever the answers do, as independent
 * clients would send them. wrk is a closed loop (each connection sends its next request when the
 * last is answered), so a slow answer also delays the requests behind it and hides part of
 * itself; here each request's latency counts from the moment it was due, so a request that waits
 * for a free connection is charged for the wait.
 *
 * <p>One thread and one selector; keep-alive connections opened as needed, up to a limit; answers
 * must carry a Content-Length (the bench's origins and proxies do).
 *
 * <pre>java bench/OpenLoad.java URL RATE SECONDS [MAX_CONNECTIONS]</pre>
 * prints: requests sent, answered, answered with other than 2xx, lost to socket errors, sent more
 * than 1 ms after they were due, connections opened, and latency percentiles in ms over every
 * request sent ("inf" where they fall among the unanswered). After the last request is due it
 * waits at most 10 s for the answers still out. With {@code OPENLOAD_TRACE} set in the environment
 * it also prints, to stderr, the percentiles of each second's requests (by when they were due).
 */
public final class OpenLoad {
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        SelectionKey key;
        ByteBuffer out;
        long due;
        long bodyLeft = -1;
        int status;

        Conn(SocketChannel channel) {
            this.channel = channel;
        }
    }

    public static void main(String[] args) throws IOException {
        URI uri = URI.create(args[0]);
        double rate = Double.parseDouble(args[1]);
        long seconds = Long.parseLong(args[2]);
        int maxConnections = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        long total = (long) (rate * seconds);
        long[] latencies = new long[(int) total];
        int[] dueSecond = new int[(int) total];
        int answered = 0;
        int errors = 0;
        int non2xx = 0;
        int late = 0;
        int open = 0;
        long sent = 0;
        ArrayDeque<Conn> idle = new ArrayDeque<>();
        ArrayDeque<Long> waiting = new ArrayDeque<>();
        Selector selector = Selector.open();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long drainEnd = end + 10_000_000_000L;
        double interval = 1e9 / rate;

        while (true) {
            long now = System.nanoTime();
            while (sent < total && start + (long) (sent * interval) <= now) {
                waiting.add(start + (long) (sent * interval));
                sent++;
            }
            while (!waiting.isEmpty()) {
                Conn conn = idle.poll();
                if (conn == null && open < maxConnections) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.connect(address);
                    conn = new Conn(channel);
                    conn.key = channel.register(selector, SelectionKey.OP_CONNECT, conn);
                    open++;
                } else if (conn == null) {
                    break;
                }
                long due = waiting.poll();
                if (now - due > 1_000_000L) {
                    late++;
                }
                conn.due = due;
                conn.out = ByteBuffer.wrap(request);
                conn.in.clear();
                conn.bodyLeft = -1;
                if (conn.channel.isConnected()) {
                    conn.key.interestOps(SelectionKey.OP_WRITE);
                }
            }
            if (now > drainEnd || (sent == total && waiting.isEmpty() && idle.size() == open)) {
                break;
            }
            long nextDue = sent < total ? start + (long) (sent * interval) : now + 10_000_000L;
            long waitMs = Math.max(0, (nextDue - now) / 1_000_000L);
            if (waitMs == 0) {
                selector.selectNow();
            } else {
                selector.select(waitMs);
            }
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext();) {
                SelectionKey key = it.next();
                it.remove();
                Conn conn = (Conn) key.attachment();
                try {
                    if (key.isConnectable()) {
                        conn.channel.finishConnect();
                        key.interestOps(conn.out != null ? SelectionKey.OP_WRITE : 0);
                        continue;
                    }
                    if (key.isWritable()) {
                        conn.channel.write(conn.out);
                        if (!conn.out.hasRemaining()) {
                            conn.out = null;
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        continue;
                    }
                    if (key.isReadable()) {
                        if (conn.channel.read(conn.in) < 0) {
                            throw new IOException("closed by the server");
                        }
                        if (answerComplete(conn)) {
                            dueSecond[answered] = (int) ((conn.due - start) / 1_000_000_000L);
                            latencies[answered++] = System.nanoTime() - conn.due;
                            if (conn.status / 100 != 2) {
                                non2xx++;
                            }
                            key.interestOps(0);
                            idle.push(conn);
                        }
                    }
                } catch (IOException e) {
                    errors++;
                    key.cancel();
                    conn.channel.close();
                    open--;
                }
            }
        }
        if (System.getenv("OPENLOAD_TRACE") != null) {
            trace(latencies, dueSecond, answered, (long) rate, seconds);
        }
        long[] done = Arrays.copyOf(latencies, answered);
        Arrays.sort(done);
        System.out.printf("sent %d answered %d non-2xx %d errors %d late %d connections %d p50 %s p90 %s p99 %s p99.9 %s max %s ms%n",
                sent, answered, non2xx, errors, late, open, ms(done, sent, 0.50), ms(done, sent, 0.90), ms(done, sent, 0.99),
                ms(done, sent, 0.999), ms(done, sent, 1.0));
    }

    /** With OPENLOAD_TRACE set: for each second of the run, the answers to the requests due in it, to stderr. */
    private static void trace(long[] latencies, int[] dueSecond, int answered, long perSecond, long seconds) {
        long[][] bySecond = new long[(int) seconds][];
        int[] counts = new int[(int) seconds];
        for (int i = 0; i < answered; i++) {
            counts[dueSecond[i]]++;
        }
        for (int second = 0; second < seconds; second++) {
            bySecond[second] = new long[counts[second]];
            counts[second] = 0;
        }
        for (int i = 0; i < answered; i++) {
            bySecond[dueSecond[i]][counts[dueSecond[i]]++] = latencies[i];
        }
        for (int second = 0; second < seconds; second++) {
            long[] sorted = bySecond[second];
            Arrays.sort(sorted);
            System.err.printf("second %d: answered %d p50 %s p99 %s max %s ms%n", second, sorted.length, ms(sorted, perSecond, 0.50),
                    ms(sorted, perSecond, 0.99), ms(sorted, perSecond, 1.0));
        }
    }

    /** Whether the buffer holds a whole answer: its head and Content-Length bytes of body. */
    private static boolean answerComplete(Conn conn) throws IOException {
        ByteBuffer in = conn.in;
        if (conn.bodyLeft < 0) {
            int headEnd = indexOf(in, HEAD_END);
            if (headEnd < 0) {
                if (!in.hasRemaining()) {
                    throw new IOException("head larger than the buffer");
                }
                return false;
            }
            String head = new String(in.array(), 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase();
            conn.status = Integer.parseInt(head.substring(9, 12));
            int at = head.indexOf("\r\ncontent-length:");
            if (at < 0) {
                throw new IOException("answer without Content-Length");
            }
            int lineEnd = head.indexOf("\r\n", at + 2);
            long length = Long.parseLong(head.substring(at + 17, lineEnd < 0 ? head.length() : lineEnd).trim());
            conn.bodyLeft = length - (in.position() - headEnd - 4);
            in.clear();
        } else {
            conn.bodyLeft -= in.position();
            in.clear();
        }
        return conn.bodyLeft <= 0;
    }

    private static int indexOf(ByteBuffer in, byte[] needle) {
        byte[] a = in.array();
        for (int i = 0; i + needle.length <= in.position(); i++) {
            if (a[i] == needle[0] && a[i + 1] == needle[1] && a[i + 2] == needle[2] && a[i + 3] == needle[3]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The q-quantile over every request sent, in ms. A request not answered (lost to an error, or
     * still waiting when the run gave up) counts as slower than any answer, so a target that falls
     * behind shows "inf" rather than the percentiles of the few it answered.
     */
    private static String ms(long[] answered, long sent, double q) {
        long rank = Math.min(sent - 1, (long) (q * sent));
        if (sent == 0 || rank >= answered.length) {
            return "inf";
        }
        return String.format("%.1f", answered[(int) rank] / 1e6);
    }
}
