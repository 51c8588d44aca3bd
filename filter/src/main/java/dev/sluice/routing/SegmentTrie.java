package dev.sluice.routing;

/**
 * Path prefixes by whole segments, one level per segment, each level a small open-addressing table
 * looked up straight on the request path's characters (no substring is made). A match walks the
 * path's segments from the start and keeps the last prefix passed, so its cost depends on how deep
 * the matching prefix is, never on how many prefixes there are. Filled once, then only read.
 *
 * @param <T> what a prefix leads to
 */
final class SegmentTrie<T> {
    private final Level<T> root = new Level<>();

    /**
     * Adds a prefix unless it is there already (the first one added stays).
     *
     * @param prefix starting with '/', without a trailing '/' unless it is "/"
     */
    void putIfAbsent(String prefix, T value) {
        Level<T> level = root;
        if (!prefix.equals("/")) {
            int start = 1;
            while (true) {
                int end = segmentEnd(prefix, start);
                level = level.childOrAdd(prefix, start, end);
                if (end == prefix.length()) {
                    break;
                }
                start = end + 1;
            }
        }
        if (level.value == null) {
            level.value = value;
        }
    }

    /** The value of the longest prefix made of the path's whole leading segments, or {@code null}. */
    T longestMatch(String path) {
        Level<T> level = root;
        T best = root.value;
        int start = 1;
        while (start <= path.length()) {
            int end = segmentEnd(path, start);
            level = level.child(path, start, end);
            if (level == null) {
                break;
            }
            if (level.value != null) {
                best = level.value;
            }
            start = end + 1;
        }
        return best;
    }

    private static int segmentEnd(String path, int start) {
        int slash = path.indexOf('/', start);
        return slash < 0 ? path.length() : slash;
    }

    /** The hash {@link String#hashCode()} gives the segment, so a stored key's cached hash matches it. */
    private static int hash(String path, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + path.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    /** The prefixes that continue one segment deeper, and the value of the prefix ending here. */
    private static final class Level<T> {
        T value;
        private String[] segments;
        private Level<T>[] children;
        private int size;

        Level<T> child(String path, int start, int end) {
            if (segments == null) {
                return null;
            }
            int length = end - start;
            int mask = segments.length - 1;
            for (int i = hash(path, start, end) & mask; segments[i] != null; i = (i + 1) & mask) {
                String segment = segments[i];
                if (segment.length() == length && path.regionMatches(start, segment, 0, length)) {
                    return children[i];
                }
            }
            return null;
        }

        Level<T> childOrAdd(String path, int start, int end) {
            Level<T> found = child(path, start, end);
            if (found != null) {
                return found;
            }
            if (segments == null || 2 * (size + 1) > segments.length) {
                grow();
            }
            Level<T> added = new Level<>();
            insert(path.substring(start, end), added);
            size++;
            return added;
        }

        @SuppressWarnings("unchecked")
        private void grow() {
            String[] oldSegments = segments;
            Level<T>[] oldChildren = children;
            int capacity = segments == null ? 2 : segments.length * 2;
            segments = new String[capacity];
            children = (Level<T>[]) new Level<?>[capacity];
            if (oldSegments != null) {
                for (int i = 0; i < oldSegments.length; i++) {
                    if (oldSegments[i] != null) {
                        insert(oldSegments[i], oldChildren[i]);
                    }
                }
            }
        }

        private void insert(String segment, Level<T> child) {
            int mask = segments.length - 1;
            int i = hash(segment, 0, segment.length()) & mask;
            while (segments[i] != null) {
                i = (i + 1) & mask;
            }
            segments[i] = segment;
            children[i] = child;
        }
    }
}
