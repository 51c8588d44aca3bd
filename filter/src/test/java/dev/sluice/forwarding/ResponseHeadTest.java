package dev.sluice.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.apache.catalina.connector.Response;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.junit.jupiter.api.Test;

/** The upstream's response head as the client gets it, set on Tomcat's own response. */
class ResponseHeadTest {
    private static final String VIA = "1.1 sluice";

    private final org.apache.coyote.Response sent = new org.apache.coyote.Response();
    private final Response response = tomcatResponse(sent);

    @Test
    void theStatusAndEndToEndHeadersPassAsTheUpstreamSentThem() {
        BasicHttpResponse upstream = upstream(201, "Location", "/items/7", "Set-Cookie", "a=1", "Set-Cookie", "b=2");
        apply(upstream, true, 0);
        assertEquals(201, sent.getStatus());
        assertEquals("/items/7", response.getHeader("Location"));
        assertEquals(List.of("a=1", "b=2"), List.copyOf(response.getHeaders("Set-Cookie")));
    }

    @Test
    void hopByHopHeadersAndThoseTheConnectionHeaderNamesStayBehind() {
        BasicHttpResponse upstream = upstream(200, "Connection", "keep-alive, X-Upstream-Only",
                "Keep-Alive", "timeout=5", "X-Upstream-Only", "secret", "X-Kept", "yes");
        apply(upstream, true, 0);
        assertNull(response.getHeader("Connection"));
        assertNull(response.getHeader("Keep-Alive"));
        assertNull(response.getHeader("X-Upstream-Only"));
        assertEquals("yes", response.getHeader("X-Kept"));
    }

    @Test
    void thisHopsViaComesAfterTheUpstreamsInOneHeader() {
        BasicHttpResponse upstream = upstream(200, "Via", "1.1 origin", "Via", "1.0 cache");
        apply(upstream, true, 0);
        assertEquals(List.of("1.1 origin, 1.0 cache, " + VIA), List.copyOf(response.getHeaders("Via")));
    }

    @Test
    void aResponseWithoutViaGetsThisHopsAlone() {
        apply(new BasicHttpResponse(204), false, -1);
        assertEquals(VIA, response.getHeader("Via"));
    }

    @Test
    void aDeclaredLengthFramesTheBody() {
        BasicHttpResponse upstream = upstream(200, "Content-Length", "5");
        apply(upstream, true, 5);
        assertEquals(5, sent.getContentLengthLong());
    }

    @Test
    void aLengthNextToChunkedCodingIsDropped() {
        BasicHttpResponse upstream = upstream(200, "Transfer-Encoding", "chunked", "Content-Length", "5");
        apply(upstream, true, -1);
        assertEquals(-1, sent.getContentLengthLong());
        assertNull(response.getHeader("Transfer-Encoding"), "the container frames the body its own way");
    }

    @Test
    void anAnswerWithoutABodyKeepsTheLengthOfTheBodyItStandsFor() {
        BasicHttpResponse upstream = upstream(200, "Content-Length", "1234");
        apply(upstream, false, -1);
        assertEquals(1234, sent.getContentLengthLong());
    }

    /** Tomcat 11 takes the coyote response in its constructor, 10.1 through a setter: the tests run on both. */
    private static Response tomcatResponse(org.apache.coyote.Response coyote) {
        try {
            try {
                return Response.class.getConstructor(org.apache.coyote.Response.class).newInstance(coyote);
            } catch (NoSuchMethodException tomcat10) {
                Response response = Response.class.getConstructor().newInstance();
                Response.class.getMethod("setCoyoteResponse", org.apache.coyote.Response.class).invoke(response, coyote);
                return response;
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An upstream response head with these headers, given as name, value, name, value... */
    private static BasicHttpResponse upstream(int status, String... headers) {
        BasicHttpResponse upstream = new BasicHttpResponse(status);
        for (int i = 0; i < headers.length; i += 2) {
            upstream.addHeader(headers[i], headers[i + 1]);
        }
        return upstream;
    }

    private void apply(BasicHttpResponse upstream, boolean hasBody, long contentLength) {
        ResponseHead.apply(upstream, response.getResponse(), VIA, hasBody, contentLength, null);
    }
}
