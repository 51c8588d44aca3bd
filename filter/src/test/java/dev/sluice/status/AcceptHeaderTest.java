package dev.sluice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AcceptHeaderTest {

    @Test
    void aBrowserGetsThePage() {
        // Chromium's and Firefox's Accept for a page they navigate to.
        assertTrue(AcceptHeader.prefersHtml(
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
                        + "application/signed-exchange;v=b3;q=0.7"));
        assertTrue(AcceptHeader.prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
    }

    @Test
    void noHeaderGetsJson() {
        assertFalse(AcceptHeader.prefersHtml(null));
        assertFalse(AcceptHeader.prefersHtml(" "));
    }

    @Test
    void anythingGetsJson() {
        assertFalse(AcceptHeader.prefersHtml("*/*"));
    }

    @Test
    void askingForJsonGetsJson() {
        assertFalse(AcceptHeader.prefersHtml("application/json"));
        assertFalse(AcceptHeader.prefersHtml("application/json, text/html;q=0.5"));
    }

    @Test
    void aTieGetsJson() {
        assertFalse(AcceptHeader.prefersHtml("text/html, application/json"));
        assertFalse(AcceptHeader.prefersHtml("application/*, text/*"));
    }

    @Test
    void theMostSpecificRangeGivesTheQuality() {
        assertFalse(AcceptHeader.prefersHtml("text/*;q=1, text/html;q=0.1, */*;q=0.5"));
        assertTrue(AcceptHeader.prefersHtml("text/html;q=0.6, */*;q=0.5"));
    }

    @Test
    void qualityZeroRefuses() {
        assertFalse(AcceptHeader.prefersHtml("text/html;q=0, */*"));
    }

    @Test
    void namesAndParametersAreCaseInsensitive() {
        assertTrue(AcceptHeader.prefersHtml("TEXT/HTML, application/json;Q=0.2"));
    }

    @Test
    void aMalformedQualityIgnoresItsRange() {
        assertEquals(0, AcceptHeader.quality("text/html;q=2", "text", "html"));
        assertEquals(500, AcceptHeader.quality("text/html;q=high, */*;q=0.5", "text", "html"));
        assertEquals(250, AcceptHeader.quality("text/html;level=1;q=0.25", "text", "html"));
    }
}
