package dev.sluice.health;

/**
 * A node's health at one instant, as the status views show it.
 *
 * @param condition in rotation, out for a while by passive health, or held out by active checks
 * @param millisLeft for an ejected node, how long its ejection still runs; 0 otherwise
 * @param ejections every passive ejection of the node so far (kept by {@code host:port}, across reloads)
 * @param failuresInARow failures since its last success, counting towards the next ejection
 */
public record NodeState(Condition condition, long millisLeft, long ejections, int failuresInARow) {

    /** Where a node stands. */
    public enum Condition {
        /** In rotation. */
        UP("up"),
        /** Out of rotation until its ejection ends (failures in a row, or its own Retry-After). */
        EJECTED("ejected"),
        /** Out of rotation until enough active checks pass. */
        DOWN("down");

        private final String label;

        Condition(String label) {
            this.label = label;
        }

        /** The word the views show. */
        public String label() {
            return label;
        }
    }
}
