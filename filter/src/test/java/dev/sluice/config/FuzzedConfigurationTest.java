package dev.sluice.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random configurations, most of them near a valid one: the parser answers each with settings or
 * with a {@link ConfigurationException} naming a key that was given (or, when a required key is
 * missing, that key of a route or upstream that was given), never with another exception and
 * never slowly. The seed is fixed, so a failure repeats; its configuration is in the message.
 */
class FuzzedConfigurationTest {
    /** How many configurations are tried; a few seconds' work. */
    static final int ITERATIONS = 20_000;
    private static final long SEED = 0x5EED_C0FFL;

    private static final String[] OWNERS = {"orders", "a", "b-2", "x_y", "orders "};
    private static final String[] ODD = {"", " ", "\t", "\u0000", "\r\n", "\u007f", "\u00e9", "\u0130", "\u212a",
        "\u0661", "\uff11", "\ud83d\ude00", "\ud800", "\ufeff", "%", "%00", "..", "/", "//", ";", "*", "?", "#", "=",
        ",", ":", "[", "]", "[::1]", "::", "-", "+", "0x10", "1e3", "007", "\u00a0"};

    private final Random random = new Random(SEED);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyConfigurationParsesOrFailsNamingAGivenKey() {
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            Map<String, String> given = configuration(i);
            try {
                SettingsParser.parse(given.keySet(), key -> Optional.ofNullable(given.get(key)));
                accepted++;
            } catch (ConfigurationException e) {
                assertNamesAGivenKey(e, given, i);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("iteration " + i + ": " + e + " for " + shown(given), e);
            }
        }
        System.out.println("FuzzedConfigurationTest: " + ITERATIONS + " configurations, " + accepted + " accepted, "
                + (ITERATIONS - accepted) + " refused naming a given key");
        // A fuzzer that only ever builds broken configurations tests the first check alone.
        assertTrue(accepted > ITERATIONS / 20, "only " + accepted + " configurations were valid");
    }

    private static void assertNamesAGivenKey(ConfigurationException e, Map<String, String> given, int iteration) {
        String key = e.key();
        if (!e.getMessage().contains(key)) {
            fail("iteration " + iteration + ": message does not name " + key + ": " + e.getMessage());
        }
        if (given.containsKey(key)) {
            return;
        }
        boolean missing = e.getMessage().startsWith(key + " is missing");
        boolean ownerGiven = given.keySet().stream().anyMatch(k -> k.startsWith(ownerPrefix(key)));
        boolean noRoute = key.equals(Keys.PATH.toString());
        if (!(missing && (ownerGiven || noRoute))) {
            fail("iteration " + iteration + ": names " + key + ", which was not given: " + e.getMessage()
                    + " for " + shown(given));
        }
    }

    /** {@code sluice.route.orders.} for {@code sluice.route.orders.path}. */
    private static String ownerPrefix(String key) {
        String[] parts = key.split("\\.", 4);
        return parts.length == 4 ? parts[0] + "." + parts[1] + "." + parts[2] + "." : key;
    }

    private Map<String, String> configuration(int iteration) {
        Map<String, String> config = new LinkedHashMap<>();
        String owner = pick(OWNERS);
        if (random.nextInt(10) > 0) {
            config.put("sluice.route." + owner + ".path", random.nextInt(4) == 0 ? value() : "/api/" + iteration % 7);
            config.put("sluice.route." + owner + ".upstream", random.nextInt(8) == 0 ? value() : owner);
            config.put("sluice.upstream." + owner + ".nodes", random.nextInt(4) == 0 ? value() : "127.0.0.1:8081, [::1]:8082");
        }
        if (random.nextInt(3) == 0) {
            // Reaches the keys only HTTPS allows, which read files.
            config.put("sluice.upstream." + owner + ".scheme", "https");
        }
        int entries = random.nextInt(5);
        for (int e = 0; e < entries; e++) {
            config.put(key(owner), random.nextBoolean() ? typedValue() : value());
        }
        if (random.nextInt(1_000) == 0) {
            // Megabytes: a value pasted from the wrong file, a key built in a loop.
            config.put(random.nextBoolean() ? key(owner) : "sluice." + "k".repeat(1 << 20), "9".repeat(1 << 20));
        }
        return config;
    }

    private String key(String owner) {
        Key known = Keys.all().get(random.nextInt(Keys.all().size()));
        String name = known.isPattern() ? known.patternPrefix() + pick("X-Tag", "", "X Tag", "Host", "\u00e9", "a.b") : known.name();
        String scoped = known.scope().prefix(random.nextInt(6) == 0 ? pick(ODD) + pick(OWNERS) : owner) + name;
        return switch (random.nextInt(6)) {
            case 0 -> nearMiss(scoped);
            case 1 -> "sluice." + pick(ODD) + (random.nextBoolean() ? "route." : "upstream.") + pick(ODD) + "." + pick(ODD);
            case 2 -> "sluice." + junk(random.nextInt(40));
            default -> scoped;
        };
    }

    private String nearMiss(String key) {
        StringBuilder b = new StringBuilder(key);
        int at = 7 + random.nextInt(b.length() - 7);
        switch (random.nextInt(4)) {
            case 0 -> b.deleteCharAt(at);
            case 1 -> b.insert(at, junk(1));
            case 2 -> b.setCharAt(at, junk(1).charAt(0));
            default -> b.append(pick(ODD));
        }
        return b.toString();
    }

    /** A value of the right shape for some key: numbers at and past the edges, flags, choices. */
    private String typedValue() {
        return pick(String.valueOf(random.nextInt()), "0", "-1", "1", "99", "100", "1024", "65535", "65536",
                "2147483647", "2147483648", "-2147483648", "9223372036854775807", "99999999999999999999", " 5 ",
                "true", "false", "TRUE", "yes", "http", "https", "HTTPS", "round-robin", "ip_hash", "random",
                "rewrite", "node", "client", "example.com:8080", "[::1]:80", "/health", "200-299", "299-200", "500, 503",
                "10.0.0.0/8, ::1/128", "10.0.0.0/33", "fe80::1%1/64", "127.0.0.1:8081 weight=0", "h:1 weight=99999",
                "h:0", "h:65536", "/etc/hosts", "/tmp", "x.p12", "/nonexistent/x.pem", "\u0000", "/a\u0000b");
    }

    private String value() {
        return switch (random.nextInt(4)) {
            case 0 -> pick(ODD);
            case 1 -> junk(random.nextInt(64));
            case 2 -> typedValue() + pick(ODD);
            default -> pick(ODD) + typedValue();
        };
    }

    /** Characters from every range that has tripped parsers: controls, Latin-1, surrogates, symbols. */
    private String junk(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(switch (random.nextInt(5)) {
                case 0 -> (char) random.nextInt(0x20);
                case 1 -> (char) (0x80 + random.nextInt(0x180));
                case 2 -> (char) random.nextInt(0x10000);
                default -> (char) (0x20 + random.nextInt(0x5f));
            });
        }
        return b.toString();
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private static String shown(Map<String, String> given) {
        List<String> lines = new ArrayList<>();
        given.forEach((k, v) -> lines.add(abbreviated(k) + "=" + abbreviated(v)));
        return lines.toString();
    }

    private static String abbreviated(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "...(" + text.length() + " chars)" : text;
    }
}
