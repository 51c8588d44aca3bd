package dev.sluice.observe;

import java.time.Instant;

/**
 * One line per proxied request, at INFO on the logger {@code dev.sluice.access}, as
 * {@code key=value} pairs separated by spaces (docs/operations.md lists every key):
 *
 * <pre>
 * time=2026-12-07T16:24:20.123Z id=4bf92f3577b34da6a3ce929d0e0e4736 client=203.0.113.7 method=GET target=/orders/7
 * route=orders upstream=orders nodes=10.0.0.1:8080/not_connected,10.0.0.2:8080/200 status=200 cut=false
 * outcome=retried failure=- bytes_in=0 bytes_out=5120 first_byte_ms=3.2 total_ms=4.1
 * </pre>
 *
 * <p>A value with a space, a quote, a backslash or a character outside printable ASCII is written
 * in double quotes, with {@code \"}, {@code \\} and {@code \xNN} escapes, so a line is always one
 * line and splits unambiguously.
 */
public final class AccessLog implements ExchangeObserver {
    /** The logger's name: route it, or turn it off, in the logging configuration. */
    public static final String LOGGER = "dev.sluice.access";
    private static final System.Logger LOG = System.getLogger(LOGGER);

    @Override
    public void exchangeEnded(ExchangeRecord exchange) {
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            LOG.log(System.Logger.Level.INFO, line(exchange));
        }
    }

    /** The line for this exchange. */
    static String line(ExchangeRecord e) {
        StringBuilder line = new StringBuilder(256);
        line.append("time=").append(Instant.ofEpochMilli(e.startMillis()));
        value(line, " id=", e.requestId());
        value(line, " client=", e.client());
        value(line, " method=", e.method());
        value(line, " target=", e.target());
        value(line, " route=", e.route());
        value(line, " upstream=", e.upstream());
        line.append(" nodes=");
        Attempt attempt = e.firstAttempt();
        if (attempt == null) {
            line.append('-');
        }
        for (; attempt != null; attempt = attempt.next()) {
            line.append(attempt.address()).append('/');
            if (attempt.failure() != null && attempt.status() == 0) {
                line.append(attempt.failure());
            } else {
                line.append(attempt.status());
            }
            if (attempt.next() != null) {
                line.append(',');
            }
        }
        line.append(" status=").append(e.status())
                .append(" cut=").append(e.cut())
                .append(" outcome=").append(e.outcome().tag());
        value(line, " failure=", e.failure());
        line.append(" bytes_in=").append(e.bytesIn())
                .append(" bytes_out=").append(e.bytesOut());
        millis(line, " first_byte_ms=", e.firstByteNanos());
        millis(line, " total_ms=", e.totalNanos());
        return line.toString();
    }

    private static void millis(StringBuilder line, String key, long nanos) {
        line.append(key);
        if (nanos < 0) {
            line.append('-');
            return;
        }
        long tenths = nanos / 100_000;
        line.append(tenths / 10).append('.').append(tenths % 10);
    }

    /** The value as is when it needs no quoting, {@code -} when absent. */
    private static void value(StringBuilder line, String key, String value) {
        line.append(key);
        if (value == null || value.isEmpty()) {
            line.append('-');
            return;
        }
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c < 0x7f && c != '"' && c != '\\';
        }
        if (plain) {
            line.append(value);
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c >= ' ' && c < 0x7f) {
                line.append(c);
            } else {
                line.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            }
        }
        line.append('"');
    }
}
