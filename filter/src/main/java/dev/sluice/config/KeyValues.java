package dev.sluice.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The configured values of {@link Keys}, typed and checked: an unset key gives the table's
 * default, a bad value a {@link ConfigurationException} naming the key and what it takes.
 * {@code owner} is the route's or upstream's name (ignored for filter-wide keys).
 */
final class KeyValues {
    private final Function<String, Optional<String>> lookup;
    private final List<String> names;

    /**
     * @param names every property name under {@code sluice.}
     * @param lookup the value of a key, if set
     */
    KeyValues(List<String> names, Function<String, Optional<String>> lookup) {
        this.names = new ArrayList<>(names);
        // Sources list names in any order; sorted, the same configuration always gives equal
        // settings (a reload compares them) and header rules always apply in the same order.
        Collections.sort(this.names);
        this.lookup = lookup;
    }

    /** Every property name under {@code sluice.}, sorted. */
    List<String> names() {
        return names;
    }

    /**
     * The names that start with the prefix, sorted: found by a binary search of the sorted names,
     * so that reading a thousand upstreams' header rules does not scan every name once per upstream.
     */
    List<String> namesStartingWith(String prefix) {
        int from = Collections.binarySearch(names, prefix);
        from = from < 0 ? -from - 1 : from;
        int to = from;
        while (to < names.size() && names.get(to).startsWith(prefix)) {
            to++;
        }
        return names.subList(from, to);
    }

    /** The value set for a full key, trimmed; empty when unset or blank. */
    Optional<String> text(String fullKey) {
        return lookup.apply(fullKey).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** The value as set, untrimmed, or "" when unset. */
    String raw(String fullKey) {
        return lookup.apply(fullKey).orElse("");
    }

    Optional<String> text(Key key, String owner) {
        return text(key.in(owner));
    }

    /** The value set, or else the table's default (which may be none). */
    String textOrDefault(Key key, String owner) {
        return text(key, owner).orElse(key.literalDefault());
    }

    /** The value, which must be set; {@code expected} says what the key takes. */
    String required(Key key, String owner, String expected) {
        return text(key, owner).orElseThrow(() -> new ConfigurationException(key.in(owner), null, expected));
    }

    int integer(Key key, String owner) {
        return integer(key, owner, Integer.parseInt(key.literalDefault()));
    }

    /** An integer key whose default is computed by the caller. */
    int integer(Key key, String owner, int fallback) {
        return integer(key, owner, fallback, key.min());
    }

    /** An integer key whose lower bound depends on another key. */
    int integer(Key key, String owner, int fallback, int min) {
        Optional<String> text = text(key, owner);
        if (text.isEmpty()) {
            return fallback;
        }
        long parsed = parseOr(text.get(), Long.MIN_VALUE);
        if (parsed < min || parsed > key.max()) {
            throw new ConfigurationException(key.in(owner), text.get(), key.range(min));
        }
        return (int) parsed;
    }

    boolean flag(Key key, String owner) {
        String text = textOrDefault(key, owner);
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigurationException(key.in(owner), text, "true or false");
        };
    }

    <E extends Enum<E>> E choice(Key key, String owner, Class<E> type) {
        String text = textOrDefault(key, owner);
        String wanted = text.toLowerCase(Locale.ROOT).replace('_', '-');
        List<String> options = new ArrayList<>();
        for (E option : type.getEnumConstants()) {
            if (Key.spelling(option).equals(wanted)) {
                return option;
            }
            options.add(Key.spelling(option));
        }
        throw new ConfigurationException(key.in(owner), text, "one of " + String.join(", ", options));
    }

    /** The readable file the key names, or {@code null} when it is unset. */
    Path file(Key key, String owner) {
        Optional<String> text = text(key, owner);
        if (text.isEmpty()) {
            return null;
        }
        Path path;
        try {
            path = Path.of(text.get());
        } catch (InvalidPathException e) {
            // A NUL or, on Windows, a character no file name may hold.
            throw new ConfigurationException(key.in(owner), text.get(), "a readable file (" + e.getReason() + ")");
        }
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new ConfigurationException(key.in(owner), text.get(), "a readable file");
        }
        return path;
    }

    /** Refuses the first of these keys that is set, saying when it would be allowed. */
    void refuseAny(String owner, String allowedOnly, Key... keys) {
        for (Key key : keys) {
            Optional<String> text = text(key, owner);
            if (text.isPresent()) {
                throw new ConfigurationException(key.in(owner), text.get(), allowedOnly);
            }
        }
    }

    static int parseOr(String text, int fallback) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseOr(text, (long) fallback)));
    }

    private static long parseOr(String text, long fallback) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
