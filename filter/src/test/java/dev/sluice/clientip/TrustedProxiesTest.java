package dev.sluice.clientip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, fd00::/8");

    @Test
    void addressesInsideBlocksAreTrusted() {
        assertTrue(trusted.trusts("10.200.3.4"));
        assertTrue(trusted.trusts("192.168.1.7"));
        assertTrue(trusted.trusts("fd12:3456::1"));
        assertTrue(trusted.trusts("::ffff:10.1.1.1"));
    }

    @Test
    void addressesOutsideBlocksAreNot() {
        assertFalse(trusted.trusts("11.0.0.1"));
        assertFalse(trusted.trusts("192.168.1.8"));
        assertFalse(trusted.trusts("fe80::1"));
        assertFalse(trusted.trusts("not-an-ip"));
    }

    @Test
    void clientIsFirstUntrustedHopFromTheRight() {
        assertEquals("203.0.113.9", trusted.clientAddress("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.5"));
    }

    /** Some proxies write the client's port too; each connection would otherwise be a client of its own. */
    @Test
    void aHopWithAPortIsTheAddressAlone() {
        assertEquals("203.0.113.7", trusted.clientAddress("10.0.0.1", "203.0.113.7:51234"));
        assertEquals("2001:db8::1", trusted.clientAddress("10.0.0.1", "[2001:db8::1]:443"));
        assertEquals("203.0.113.7", trusted.clientAddress("10.0.0.1", "203.0.113.7, 10.0.0.5:8080"), "a trusted hop with a port is still trusted");
        assertEquals("2001:db8::1", trusted.clientAddress("10.0.0.1", "2001:db8::1"), "an IPv6 address is no address and port");
    }

    @Test
    void untrustedPeerIsTheClientWhateverItClaims() {
        assertEquals("203.0.113.9", trusted.clientAddress("203.0.113.9", "1.2.3.4"));
    }

    @Test
    void noneTrustsNobody() {
        assertFalse(TrustedProxies.none().trusts("127.0.0.1"));
    }

    @Test
    void malformedBlocksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0/8"));
    }

    @Test
    void blocksHoldingTheSameAddressesAreEqualHoweverWritten() {
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.1.2.3/8"));
        assertEquals(Cidr.parse("10.0.0.0/8").hashCode(), Cidr.parse("10.1.2.3/8").hashCode());
        assertEquals(TrustedProxies.parse("10.0.0.0/8, ::1"), TrustedProxies.parse(" 10.0.0.0/8 ,::1/128"));
        assertFalse(Cidr.parse("10.0.0.0/8").equals(Cidr.parse("10.0.0.0/9")));
    }
}
