package dev.sluice.health;

/**
 * What real traffic and active checks taught about one node: consecutive failures, whether it is
 * out of rotation until some time, and the checks' verdict. An ejection always ends by itself; the
 * next request after it is the probe, and its success brings the node back. State only: the rules
 * come from each upstream's settings, and {@link HealthRegistry} shares one state among every
 * upstream listing the node's {@code host:port}.
 */
final class NodeHealth {
    private int consecutiveFailures;
    private long ejectedUntil;
    private boolean ejected;
    private int timesEjected;
    private long ejections;
    private boolean activeDown;
    private int checksInARow;

    /** Whether the node is out of rotation at this instant (nanoTime). */
    synchronized boolean ejectedAt(long now) {
        return activeDown || ejected && now - ejectedUntil < 0;
    }

    synchronized boolean activeDown() {
        return activeDown;
    }

    /**
     * An active check's verdict. Passes and failures in a row are counted; a change of verdict
     * starts the count over.
     *
     * @return whether the node changed between up and down
     */
    synchronized boolean check(boolean passed, int healthyThreshold, int unhealthyThreshold) {
        if (passed == activeDown) {
            checksInARow++;
        } else {
            checksInARow = 0;
        }
        if (activeDown && checksInARow >= healthyThreshold) {
            activeDown = false;
            checksInARow = 0;
            return true;
        }
        if (!activeDown && checksInARow >= unhealthyThreshold) {
            activeDown = true;
            checksInARow = 0;
            return true;
        }
        return false;
    }

    /** Forgets the active checks' verdict, once no check is left that could change it. */
    synchronized void clearActiveVerdict() {
        activeDown = false;
        checksInARow = 0;
    }

    synchronized long ejectedUntil() {
        return ejectedUntil;
    }

    /**
     * Nanoseconds from {@code now} until the node may be back in rotation: when its ejection ends,
     * and if the active checks hold it out, no sooner than {@code checksToPass}.
     */
    synchronized long nanosUntilBack(long now, long checksToPass) {
        long ejection = ejected ? Math.max(0, ejectedUntil - now) : 0;
        return activeDown ? Math.max(ejection, checksToPass) : ejection;
    }

    synchronized int timesEjected() {
        return timesEjected;
    }

    /** Every ejection since the node's state was made, escalated or not: for the status views and metrics. */
    synchronized long ejections() {
        return ejections;
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** @return whether the node was out and is now back */
    synchronized boolean success() {
        consecutiveFailures = 0;
        if (ejected) {
            ejected = false;
            return true;
        }
        return false;
    }

    /** @return the failure count after this one */
    synchronized int failure() {
        return ++consecutiveFailures;
    }

    /**
     * Takes the node out, for {@code base} times the number of its recent ejections, at most
     * {@code cap}.
     *
     * @param cap the longest ejection; also, after this long without an ejection (counted from
     *        the end of the last) the escalation starts over
     * @return the ejection's length in nanoseconds
     */
    synchronized long eject(long now, long base, long cap) {
        if (timesEjected > 0 && now - ejectedUntil > cap) {
            timesEjected = 0;
        }
        timesEjected++;
        return ejectFor(now, Math.min(cap, base * timesEjected));
    }

    /** Takes the node out for exactly this long (it asked to be left alone). */
    synchronized long ejectFor(long now, long duration) {
        ejections++;
        ejected = true;
        ejectedUntil = now + duration;
        consecutiveFailures = 0;
        return duration;
    }
}
