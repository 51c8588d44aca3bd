package dev.sluice.config;

import java.nio.file.Path;

/**
 * How an HTTPS upstream's certificates are checked, and what Sluice shows it.
 *
 * @param trustStore certificates to trust (PEM, or PKCS12 by a .p12/.pfx name) instead of the
 *        JVM's defaults; {@code null} for the defaults
 * @param trustStorePassword the PKCS12 trust store's password, or {@code null}
 * @param keyStore a PKCS12 file with the client certificate and key for mutual TLS, or {@code null}
 * @param keyStorePassword its password, or {@code null}
 * @param insecure whether certificates and host names go unchecked (development only, logged loudly)
 * @param storesDigest a digest of the store files' content as parsed, or {@code null} without
 *        files: a store rewritten under the same name (a rotated certificate) makes the settings
 *        differ, so a reload builds the upstream anew with it
 */
public record TlsSettings(Path trustStore, String trustStorePassword, Path keyStore, String keyStorePassword,
        boolean insecure, String storesDigest) {
}
