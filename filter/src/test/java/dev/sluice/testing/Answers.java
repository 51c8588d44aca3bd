package dev.sluice.testing;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;

/** Callbacks for exchanges sent straight through an upstream's client, for tests below the filter. */
public final class Answers {
    private Answers() {
    }

    /**
     * Completes {@code result} with {@code value}, taken on the thread the answer completed on, if
     * the answer was a 200; fails it with the exchange's failure, or an assertion naming any other status.
     */
    public static <T> FutureCallback<Message<HttpResponse, Void>> ok(CompletableFuture<T> result, Supplier<T> value) {
        return new FutureCallback<>() {
            @Override
            public void completed(Message<HttpResponse, Void> response) {
                if (response.getHead().getCode() == 200) {
                    result.complete(value.get());
                } else {
                    result.completeExceptionally(new AssertionError("status " + response.getHead().getCode()));
                }
            }

            @Override
            public void failed(Exception cause) {
                result.completeExceptionally(cause);
            }

            @Override
            public void cancelled() {
                result.cancel(false);
            }
        };
    }

    /** Completes {@code thread} with the name of the I/O thread a 200 answer came on. */
    public static FutureCallback<Message<HttpResponse, Void>> okOnThread(CompletableFuture<String> thread) {
        return ok(thread, () -> Thread.currentThread().getName());
    }
}
