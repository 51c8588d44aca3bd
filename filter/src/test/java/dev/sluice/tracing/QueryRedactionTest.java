package dev.sluice.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** What a span's {@code url.full} shows of a query that carries credentials. */
class QueryRedactionTest {

    @Test
    void aTargetWithoutSecretsIsKeptAsItIs() {
        String target = "/api/orders?id=7&sort=asc";
        assertSame(target, QueryRedaction.redact(target));
        assertSame("/api/orders", QueryRedaction.redact("/api/orders"));
    }

    @Test
    void theConventionsSignedUrlParametersAreRedacted() {
        assertEquals("/f?AWSAccessKeyId=REDACTED&Expires=1&Signature=REDACTED",
                QueryRedaction.redact("/f?AWSAccessKeyId=AKIA123&Expires=1&Signature=abc%2F"));
        assertEquals("/f?sig=REDACTED&X-Goog-Signature=REDACTED", QueryRedaction.redact("/f?sig=s1&X-Goog-Signature=s2"));
    }

    @Test
    void tokensAndKeysAreRedactedWhateverTheirCase() {
        assertEquals("/cb?code=1&Access_Token=REDACTED&api_key=REDACTED&state=x",
                QueryRedaction.redact("/cb?code=1&Access_Token=t0k&api_key=k&state=x"));
    }

    @Test
    void parametersWithoutValueOrNameStayAsTheyAre() {
        assertEquals("/f?token&=x&&password=REDACTED&", QueryRedaction.redact("/f?token&=x&&password=pw&"));
    }
}
