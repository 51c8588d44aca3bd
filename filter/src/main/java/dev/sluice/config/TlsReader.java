package dev.sluice.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads an upstream's {@code tls.*} keys and opens the stores they name, so a store that cannot
 * be read fails the start naming its key rather than the first HTTPS request.
 */
final class TlsReader {
    private TlsReader() {
    }

    static TlsSettings tls(KeyValues values, String upstream, Scheme scheme) {
        if (scheme != Scheme.HTTPS) {
            values.refuseAny(upstream, "only allowed with scheme=https", Keys.TRUST_STORE, Keys.TRUST_STORE_PASSWORD,
                    Keys.KEY_STORE, Keys.KEY_STORE_PASSWORD, Keys.INSECURE);
        }
        Path trust = values.file(Keys.TRUST_STORE, upstream);
        Path keys = values.file(Keys.KEY_STORE, upstream);
        boolean insecure = values.flag(Keys.INSECURE, upstream);
        String trustPassword = password(values, upstream, Keys.TRUST_STORE_PASSWORD, Keys.TRUST_STORE);
        String keyPassword = password(values, upstream, Keys.KEY_STORE_PASSWORD, Keys.KEY_STORE);
        String trustKey = Keys.TRUST_STORE.in(upstream);
        String keyKey = Keys.KEY_STORE.in(upstream);
        if (keys != null && !TlsStores.isPkcs12(keys)) {
            throw new ConfigurationException(keyKey, keys.toString(), "a PKCS12 file named *.p12 or *.pfx");
        }
        if (insecure && trust != null) {
            throw new ConfigurationException(Keys.INSECURE.in(upstream), "true", "not together with " + trustKey);
        }
        readable(trustKey, trust, () -> TlsStores.trustStore(trust, trustPassword),
                "a PEM file of certificates, or a PKCS12 store (.p12, .pfx) that " + trustKey + ".password opens");
        readable(keyKey, keys, () -> TlsStores.keyStore(keys, keyPassword), "a PKCS12 store that " + keyKey + ".password opens");
        return new TlsSettings(trust, trustPassword, keys, keyPassword, insecure, digest(trustKey, trust, keyKey, keys));
    }

    /** A store's password, refused (without showing it) when the store itself is not set. */
    private static String password(KeyValues values, String upstream, Key passwordKey, Key storeKey) {
        String password = values.text(passwordKey, upstream).orElse(null);
        if (password != null && values.text(storeKey, upstream).isEmpty()) {
            throw new ConfigurationException(passwordKey.in(upstream), "(hidden)", "only allowed together with " + storeKey.in(upstream));
        }
        return password;
    }

    /** Fails the start, naming the key, if the store it names cannot be read as what it should be. */
    private static void readable(String key, Path file, TlsStores.Loader loader, String expected) {
        if (file == null) {
            return;
        }
        try {
            loader.load();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigurationException(key, file.toString(), expected + "; reading it failed: " + e.getMessage());
        }
    }

    /**
     * SHA-256 over the content of the store files, or {@code null} when there are none: a store
     * rewritten under the same name (a rotated certificate) then makes the settings differ.
     */
    private static String digest(String trustKey, Path trust, String keyKey, Path keys) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        boolean any = update(digest, trustKey, trust) | update(digest, keyKey, keys);
        return any ? HexFormat.of().formatHex(digest.digest()) : null;
    }

    private static boolean update(MessageDigest digest, String key, Path file) {
        if (file == null) {
            return false;
        }
        try {
            digest.update(Files.readAllBytes(file));
            return true;
        } catch (IOException e) {
            throw new ConfigurationException(key, file.toString(), "a readable file (" + e.getMessage() + ")");
        }
    }
}
