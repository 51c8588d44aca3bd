package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One configuration key as {@link Keys} defines it: where it lives, its default, the values it
 * takes and what it means. The parser reads through it, its errors quote it, and a test holds
 * {@code docs/configuration.md} to it.
 */
final class Key {
    /** Where a key lives: the part of its full name before {@link #name()}. */
    public enum Scope {
        FILTER("sluice."),
        ROUTE("sluice.route.<name>."),
        UPSTREAM("sluice.upstream.<name>.");

        private final String pattern;

        Scope(String pattern) {
            this.pattern = pattern;
        }

        /** The prefix of a key of this scope, with {@code <name>} for the route's or upstream's name. */
        public String pattern() {
            return pattern;
        }

        /** The prefix of a key of this scope owned by this route or upstream (ignored for the filter). */
        String prefix(String owner) {
            return this == FILTER ? pattern : pattern.replace("<name>", owner);
        }
    }

    /** Marks the header name at the end of a pattern key, as in {@code request-headers.set.<Name>}. */
    static final String HEADER_NAME = "<Name>";

    private final Scope scope;
    private final String name;
    private final String defaultText;
    private final boolean literalDefault;
    private final String values;
    private final int min;
    private final int max;
    private final String unit;
    private final String meaning;

    private Key(Scope scope, String name, String defaultText, boolean literalDefault, String values,
            int min, int max, String unit, String meaning) {
        this.scope = scope;
        this.name = name;
        this.defaultText = defaultText;
        this.literalDefault = literalDefault;
        this.values = values;
        this.min = min;
        this.max = max;
        this.unit = unit;
        this.meaning = meaning;
    }

    /** Where the key lives. */
    public Scope scope() {
        return scope;
    }

    /** The name within its scope, e.g. {@code pool.max-connections}. */
    public String name() {
        return name;
    }

    /** The default as the reference states it: a value, or in words a rule, "required" or "none". */
    public String defaultText() {
        return defaultText;
    }

    /** What the key takes, e.g. {@code milliseconds, 1 or more}. */
    public String values() {
        return values != null || unit == null ? values
                : unit + ", " + (max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max);
    }

    /** What the key means, in one line. */
    public String meaning() {
        return meaning;
    }

    /** The full key as {@code owner}'s, e.g. {@code sluice.upstream.orders.timeout}. */
    public String in(String owner) {
        return scope.prefix(owner) + name;
    }

    /** The full key with {@code <name>} in place of the owner. */
    @Override
    public String toString() {
        return scope.pattern() + name;
    }

    /** Whether this key is the part of a full key after its scope's prefix. */
    boolean matches(String suffix) {
        return isPattern() ? suffix.startsWith(patternPrefix()) && suffix.length() > patternPrefix().length()
                : name.equals(suffix);
    }

    /** Whether the key ends in a header name of the user's choice. */
    boolean isPattern() {
        return name.endsWith(HEADER_NAME);
    }

    /** The fixed part of a pattern key, e.g. {@code request-headers.set.}. */
    String patternPrefix() {
        return name.substring(0, name.length() - HEADER_NAME.length());
    }

    /** The default value the parser uses when the key is not set, or {@code null} when it is computed or there is none. */
    String literalDefault() {
        return literalDefault ? defaultText : null;
    }

    /** What an integer key accepts, as its errors say it. */
    String range(int from) {
        return "a whole number of " + unit + " from " + from + " to " + max;
    }

    int min() {
        return min;
    }

    int max() {
        return max;
    }

    /** Starts a key; {@link Builder#means} ends it and adds it to {@code table}. */
    static Builder define(List<Key> table, Scope scope, String name) {
        return new Builder(table, scope, name);
    }

    /** Collects a key's parts in the order {@link Keys} writes them. */
    static final class Builder {
        private final List<Key> table;
        private final Scope scope;
        private final String name;
        private String defaultText = "none";
        private boolean literalDefault;
        private String values;
        private int min;
        private int max;
        private String unit;

        private Builder(List<Key> table, Scope scope, String name) {
            this.table = table;
            this.scope = scope;
            this.name = name;
        }

        /** A whole number from {@code min} to {@code max} of {@code unit}. */
        Builder number(int min, int max, String unit) {
            this.min = min;
            this.max = max;
            this.unit = unit;
            return this;
        }

        /** {@code true} or {@code false}. */
        Builder flag() {
            return values("`true` or `false`");
        }

        /** One of the constants of {@code type}, lower case with {@code -} for {@code _}. */
        Builder choice(Class<? extends Enum<?>> type) {
            List<String> options = new ArrayList<>();
            for (Enum<?> option : type.getEnumConstants()) {
                options.add("`" + spelling(option) + "`");
            }
            int last = options.size() - 1;
            return values(String.join(", ", options.subList(0, last)) + " or " + options.get(last));
        }

        /** What the key takes, in words (for a number, instead of its unit and range). */
        Builder values(String text) {
            this.values = text;
            return this;
        }

        /** The value used when the key is not set. */
        Builder byDefault(String value) {
            this.defaultText = value;
            this.literalDefault = true;
            return this;
        }

        /** A default the parser computes from other keys, in the words of the reference. */
        Builder computed(String rule) {
            this.defaultText = rule;
            this.literalDefault = false;
            return this;
        }

        /** The key must be set. */
        Builder required() {
            return computed("required");
        }

        /** Ends the key with its one-line meaning and adds it to the table. */
        Key means(String meaning) {
            Key key = new Key(scope, name, defaultText, literalDefault, values, min, max, unit, meaning);
            table.add(key);
            return key;
        }
    }

    /** How a constant of a choice is written in configuration. */
    static String spelling(Enum<?> option) {
        return option.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
