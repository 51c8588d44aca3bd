package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A request body that counts, digests and (up to 1 MiB) keeps what is read, and records it at its end. */
final class RecordingBody extends Http1.BulkInputStream {
    private static final int KEEP_LIMIT = 1024 * 1024;

    private final InputStream in;
    private final RecordedRequest request;
    private final MessageDigest digest = sha256();
    private ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long length;
    private boolean done;

    RecordingBody(InputStream in, RecordedRequest request) {
        this.in = in;
        this.request = request;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
            return -1;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            done = true;
            request.bodyComplete(length, HexFormat.of().formatHex(digest.digest()),
                    kept == null ? null : kept.toByteArray());
            return -1;
        }
        digest.update(b, off, n);
        length += n;
        if (kept != null) {
            // Past the limit the copy is dropped: tests push 100 MiB through a 96 MiB heap.
            if (length > KEEP_LIMIT) {
                kept = null;
            } else {
                kept.write(b, off, n);
            }
        }
        return n;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
