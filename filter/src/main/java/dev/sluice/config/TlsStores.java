package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Locale;

/**
 * Reads the key and trust stores an HTTPS upstream names. The parser reads each once to fail the
 * start with the key's name when a store cannot be read; the upstream reads them again to build
 * its TLS context.
 */
public final class TlsStores {
    private TlsStores() {
    }

    /** Reads a store; for naming the failure of either kind of store. */
    @FunctionalInterface
    interface Loader {
        KeyStore load() throws GeneralSecurityException, IOException;
    }

    /**
     * Certificates to trust: a PKCS12 store (by a {@code .p12} or {@code .pfx} name), or a PEM file
     * of one or more certificates.
     *
     * @param password the PKCS12 store's password, or {@code null}
     */
    public static KeyStore trustStore(Path file, String password) throws GeneralSecurityException, IOException {
        if (isPkcs12(file)) {
            return keyStore(file, password);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(file)) {
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("trusted-" + i++, certificate);
            }
            if (i == 0) {
                throw new GeneralSecurityException(file + " holds no PEM certificate");
            }
        }
        return store;
    }

    /**
     * A PKCS12 store.
     *
     * @param password its password, or {@code null} for none
     */
    public static KeyStore keyStore(Path file, String password) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password(password));
        }
        return store;
    }

    /** The password as the key manager wants it: none is empty. */
    public static char[] password(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    /** Whether a key or trust store file is PKCS12 (by its name) rather than PEM. */
    public static boolean isPkcs12(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".p12") || name.endsWith(".pfx");
    }
}
