package dev.sluice.clientip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class IpLiteralsTest {
    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    @Test
    void dottedQuadsGiveTheirFourBytes() {
        assertArrayEquals(bytes(192, 168, 1, 7), IpLiterals.parse("192.168.1.7"));
        assertArrayEquals(bytes(0, 0, 0, 0), IpLiterals.parse("0.0.0.0"));
        assertArrayEquals(bytes(255, 255, 255, 255), IpLiterals.parse(" 255.255.255.255 "));
        assertArrayEquals(bytes(10, 0, 100, 9), IpLiterals.parse("10.0.100.9"));
    }

    @Test
    void malformedDottedQuadsAreNotAddresses() {
        for (String text : new String[] {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4a",
                "1.2.3.-4", "1.2.3.1000", "", "a.b.c.d", "example.com"}) {
            assertNull(IpLiterals.parse(text), text);
        }
    }

    @Test
    void leadingZerosAreAmbiguousAndRefused() {
        assertNull(IpLiterals.parse("010.0.0.1"));
        assertNull(IpLiterals.parse("10.0.0.01"));
    }

    @Test
    void ipv6LiteralsAreParsedWithOrWithoutBrackets() {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, IpLiterals.parse("::1"));
        assertArrayEquals(loopback, IpLiterals.parse("[::1]"));
        assertArrayEquals(bytes(192, 0, 2, 1), IpLiterals.parse("::ffff:192.0.2.1"), "IPv4-mapped gives IPv4");
    }

    @Test
    void namesAreNeverResolved() {
        assertNull(IpLiterals.parse("localhost"));
        assertNull(IpLiterals.parse("[localhost]"));
    }
}
