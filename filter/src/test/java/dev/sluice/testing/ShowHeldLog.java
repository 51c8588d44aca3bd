package dev.sluice.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shows what {@link HeldLog} holds where it says something: every line logged during a test that
 * failed, and SEVERE lines no test expected. Registered for every test class through
 * {@code junit-platform.properties}.
 */
public final class ShowHeldLog implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    /** What was logged before the test (a deployment, the previous test's late threads) is not its own. */
    @Override
    public void beforeEach(ExtensionContext context) {
        HeldLog.printUnexpected("Logged before " + context.getDisplayName() + " in " + context.getRequiredTestClass().getSimpleName() + ":");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String test = context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName();
        if (context.getExecutionException().isPresent()) {
            HeldLog.printAll("Logged during the failed test " + test + ":");
        } else {
            HeldLog.printUnexpected("Logged unexpectedly during " + test + ":");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        HeldLog.printUnexpected("Logged after the tests of " + context.getDisplayName() + ":");
    }
}
