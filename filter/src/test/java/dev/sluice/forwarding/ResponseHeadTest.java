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
        BasicHttpResponse upstream = new BasicHttpResponse(201);
        upstream.addHeader("Location", "/items/7");
        upstream.addHeader("Set-Cookie", "a=1");
        upstream.addHeader("Set-Cookie", "b=2");
        apply(upstream, true, 0);
        assertEquals(201, sent.getStatus());
        assertEquals("/items/7", response.getHeader("Location"));
        assertEquals(List.of("a=1", "b=2"), List.copyOf(response.getHeaders("Set-Cookie")));
    }

    @Test
    void hopByHopHeadersAndThoseTheConnectionHeaderNamesStayBehind() {
        BasicHttpResponse upstream = new BasicHttpResponse(200);
        upstream.addHeader("Connection", "keep-alive, X-Upstream-Only");
        upstream.addHeader("Keep-Alive", "timeout=5");
        upstream.addHeader("X-Upstream-Only", "secret");
        upstream.addHeader("X-Kept", "yes");
        apply(upstream, true, 0);
        assertNull(response.getHeader("Connection"));
        assertNull(response.getHeader("Keep-Alive"));
        assertNull(response.getHeader("X-Upstream-Only"));
        assertEquals("yes", response.getHeader("X-Kept"));
    }

    @Test
    void thisHopsViaComesAfterTheUpstreamsInOneHeader() {
        BasicHttpResponse upstream = new BasicHttpResponse(200);
        upstream.addHeader("Via", "1.1 origin");
        upstream.addHeader("Via", "1.0 cache");
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
        BasicHttpResponse upstream = new BasicHttpResponse(200);
        upstream.addHeader("Content-Length", "5");
        apply(upstream, true, 5);
        assertEquals(5, sent.getContentLengthLong());
    }

    @Test
    void aLengthNextToChunkedCodingIsDropped() {
        BasicHttpResponse upstream = new BasicHttpResponse(200);
        upstream.addHeader("Transfer-Encoding", "chunked");
        upstream.addHeader("Content-Length", "5");
        apply(upstream, true, -1);
        assertEquals(-1, sent.getContentLengthLong());
        assertNull(response.getHeader("Transfer-Encoding"), "the container frames the body its own way");
    }

    @Test
    void anAnswerWithoutABodyKeepsTheLengthOfTheBodyItStandsFor() {
        BasicHttpResponse upstream = new BasicHttpResponse(200);
        upstream.addHeader("Content-Length", "1234");
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

    private void apply(BasicHttpResponse upstream, boolean hasBody, long contentLength) {
        ResponseHead.apply(upstream, response.getResponse(), VIA, hasBody, contentLength);
    }
}
