package dev.sluice.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sluice.config.Replacement;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Set-Cookie values with their scope put in the client's view and every other byte as written. */
class SetCookiesTest {
    private static final List<Replacement> NO_DOMAINS = List.of();

    @Test
    void aRootPathBecomesThePrefix() {
        assertEquals("SID=abc; Path=/app/api; HttpOnly", SetCookies.rewrite("SID=abc; Path=/; HttpOnly", "/app/api", NO_DOMAINS));
    }

    @Test
    void aDeeperPathGetsThePrefixBeforeIt() {
        assertEquals("a=1;path=/app/api/cart", SetCookies.rewrite("a=1;path=/cart", "/app/api", NO_DOMAINS));
    }

    @Test
    void everythingButThePathStaysByteForByte() {
        String cookie = "theme=\"dark; blue\"; Expires=Wed, 21 Oct 2026 07:28:00 GMT;  Path=/ ;SameSite=Lax; Secure";
        assertEquals("theme=\"dark; blue\"; Expires=Wed, 21 Oct 2026 07:28:00 GMT;  Path=/app ;SameSite=Lax; Secure",
                SetCookies.rewrite(cookie, "/app", NO_DOMAINS));
    }

    private static void assertUntouched(String cookie, String prefix, List<Replacement> domains) {
        assertSame(cookie, SetCookies.rewrite(cookie, prefix, domains), "the same string, not a copy");
    }

    @Test
    void aCookieWithoutPathOrDomainIsTheSameString() {
        assertUntouched("a=b; Max-Age=60; SameSite=Strict", "/app", NO_DOMAINS);
    }

    @Test
    void withoutAPrefixThePathStays() {
        assertUntouched("a=b; Path=/x", "", NO_DOMAINS);
    }

    @Test
    void aValueThatLooksLikeAnAttributeIsNotOne() {
        assertUntouched("Path=/; Max-Age=5", "/app", NO_DOMAINS);
    }

    @Test
    void aMatchingDomainIsReplacedWithOrWithoutItsDot() {
        List<Replacement> rules = List.of(new Replacement("app.internal", "example.com"));
        assertEquals("a=1; Domain=example.com; Secure", SetCookies.rewrite("a=1; Domain=.APP.internal; Secure", "", rules));
    }

    @Test
    void aDomainRuleWithNothingToDropsTheAttribute() {
        List<Replacement> rules = List.of(new Replacement("intranet", ""));
        assertEquals("a=1; Path=/p/x; HttpOnly", SetCookies.rewrite("a=1; Domain=intranet; Path=/x; HttpOnly", "/p", rules));
        assertEquals("a=1", SetCookies.rewrite("a=1; domain=intranet", "", rules));
    }

    @Test
    void anotherDomainIsLeftAlone() {
        assertUntouched("a=1; Domain=partner.example", "", List.of(new Replacement("intranet", "")));
    }
}
