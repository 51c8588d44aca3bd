package dev.sluice.upstream;

import dev.sluice.config.TlsSettings;
import dev.sluice.config.TlsStores;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;

/**
 * The TLS side of an HTTPS upstream: certificates and host names are verified (SNI is sent) against
 * the JVM's trust or a configured trust store, with an optional client certificate. Turning checks
 * off takes an explicit {@code tls.insecure=true}, which is logged at start as a warning.
 */
final class UpstreamTls {
    private static final System.Logger LOG = System.getLogger(UpstreamTls.class.getName());

    private UpstreamTls() {
    }

    static TlsStrategy strategy(String upstream, TlsSettings tls) {
        ClientTlsStrategyBuilder builder = ClientTlsStrategyBuilder.create();
        if (tls.insecure()) {
            LOG.log(System.Logger.Level.WARNING, "upstream ''{0}'': tls.insecure=true, certificates and host names"
                    + " are NOT checked; anyone on the path can read and change this traffic. For development only.", upstream);
            return builder.setSslContext(context(upstream, tls))
                    .setHostVerificationPolicy(HostnameVerificationPolicy.CLIENT)
                    .setHostnameVerifier(NoopHostnameVerifier.INSTANCE)
                    .buildAsync();
        }
        return builder.setSslContext(context(upstream, tls)).buildAsync();
    }

    /**
     * The TLS context for the upstream's nodes: the configured trust (or, with
     * {@code tls.insecure}, none) and client certificate. Host names are checked by the caller.
     */
    static SSLContext context(String upstream, TlsSettings tls) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (tls.insecure()) {
                context.init(null, new TrustManager[] {new TrustEverything()}, null);
                return context;
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(tls.trustStore() == null ? null : TlsStores.trustStore(tls.trustStore(), tls.trustStorePassword()));
            KeyManagerFactory keys = null;
            if (tls.keyStore() != null) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(TlsStores.keyStore(tls.keyStore(), tls.keyStorePassword()), TlsStores.password(tls.keyStorePassword()));
            }
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("upstream '" + upstream + "': cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** For {@code tls.insecure=true} only. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // development mode: everything is accepted
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // development mode: everything is accepted
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
