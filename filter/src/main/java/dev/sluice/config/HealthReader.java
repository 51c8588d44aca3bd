package dev.sluice.config;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads an upstream's {@code health.*} keys: passive health and the optional active checks. */
final class HealthReader {
    private static final Pattern STATUS_RANGE = Pattern.compile("([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?");

    private HealthReader() {
    }

    static HealthSettings health(KeyValues values, String upstream) {
        int maxFails = values.integer(Keys.MAX_FAILS, upstream);
        int ejection = values.integer(Keys.EJECTION, upstream);
        int maxEjection = values.integer(Keys.MAX_EJECTION, upstream, Math.max(ejection, 300_000), ejection);
        int maxPercent = values.integer(Keys.MAX_EJECTED_PERCENT, upstream);
        Set<Integer> statuses = new TreeSet<>();
        Optional<String> list = values.text(Keys.FAILURE_STATUSES, upstream);
        for (String status : list.map(v -> v.split(",")).orElse(new String[0])) {
            int code = KeyValues.parseOr(status.trim(), -1);
            if (code < 500 || code > 599) {
                throw new ConfigurationException(Keys.FAILURE_STATUSES.in(upstream), list.get(), "a comma separated list of 5xx statuses");
            }
            statuses.add(code);
        }
        return new HealthSettings(maxFails, Duration.ofMillis(ejection), Duration.ofMillis(maxEjection), maxPercent,
                statuses, values.flag(Keys.FAIL_OPEN, upstream), activeCheck(values, upstream));
    }

    private static ActiveCheckSettings activeCheck(KeyValues values, String upstream) {
        Optional<String> path = values.text(Keys.CHECK_PATH, upstream);
        if (path.isEmpty()) {
            values.refuseAny(upstream, "only allowed together with " + Keys.CHECK_PATH.in(upstream), Keys.CHECK_INTERVAL,
                    Keys.CHECK_TIMEOUT, Keys.CHECK_STATUSES, Keys.HEALTHY_THRESHOLD, Keys.UNHEALTHY_THRESHOLD);
            return null;
        }
        if (!path.get().startsWith("/") || path.get().matches(".*[\\s#].*")) {
            throw new ConfigurationException(Keys.CHECK_PATH.in(upstream), path.get(), "a request path starting with '/', e.g. /health");
        }
        int interval = values.integer(Keys.CHECK_INTERVAL, upstream);
        int timeout = values.integer(Keys.CHECK_TIMEOUT, upstream, Math.min(2_000, interval));
        String statuses = values.textOrDefault(Keys.CHECK_STATUSES, upstream);
        Matcher range = STATUS_RANGE.matcher(statuses);
        if (!range.matches() || (range.group(2) != null && Integer.parseInt(range.group(2)) < Integer.parseInt(range.group(1)))) {
            throw new ConfigurationException(Keys.CHECK_STATUSES.in(upstream), statuses, "a status or a range such as 200-399");
        }
        int min = Integer.parseInt(range.group(1));
        int max = range.group(2) == null ? min : Integer.parseInt(range.group(2));
        return new ActiveCheckSettings(path.get(), Duration.ofMillis(interval), Duration.ofMillis(timeout), min, max,
                values.integer(Keys.HEALTHY_THRESHOLD, upstream), values.integer(Keys.UNHEALTHY_THRESHOLD, upstream));
    }
}
