package io.stellarrelay.relay.guard;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardTest {

    @Nested
    @DisplayName("IpRange")
    class IpRanges {
        @ParameterizedTest(name = "{0} contains {1}: {2}")
        @CsvSource({
                "10.0.0.0/8,      10.200.3.4,    true",
                "10.0.0.0/8,      11.0.0.1,      false",
                "127.0.0.1,       127.0.0.1,     true",
                "127.0.0.1,       127.0.0.2,     false",
                "0.0.0.0/0,       203.0.113.9,   true",
                "192.168.1.0/24,  192.168.1.255, true",
                "192.168.1.0/24,  192.168.2.0,   false",
                "::1,             ::1,           true",
                "fd00::/8,        fd12:3456::1,  true",
                "fd00::/8,        fe80::1,       false",
                "10.0.0.0/8,      ::ffff:10.1.2.3, true",
        })
        @DisplayName("matches addresses by prefix, IPv4 and IPv6 (and IPv4-mapped IPv6)")
        void contains(String range, String address, boolean expected) {
            assertEquals(expected, IpRange.parse(range).contains(IpRange.literal(address)));
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"proxy.internal", "10.0.0.0/33", "10.0.0.0/x", "", "::1/129"})
        @DisplayName("rejects host names (no DNS lookups) and bad prefixes")
        void rejects(String text) {
            assertThrows(IllegalArgumentException.class, () -> IpRange.parse(text));
        }
    }

    @Nested
    @DisplayName("ClientAddresses")
    class Addresses {
        private final ClientAddresses behindProxy = new ClientAddresses(List.of(IpRange.parse("10.0.0.0/8")));

        @Test
        @DisplayName("ignores X-Forwarded-For from a peer that is not a trusted proxy")
        void untrustedPeer() {
            assertEquals("203.0.113.5", behindProxy.resolve("203.0.113.5", "1.2.3.4"));
            assertEquals("203.0.113.5", new ClientAddresses(List.of()).resolve("203.0.113.5", "1.2.3.4"));
        }

        @Test
        @DisplayName("takes the right-most hop that is not a trusted proxy")
        void rightMostUntrusted() {
            assertEquals("198.51.100.7", behindProxy.resolve("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9"));
            assertEquals("198.51.100.7", behindProxy.resolve("10.0.0.2", "198.51.100.7"));
        }

        @Test
        @DisplayName("ignores ports that proxies append to forwarded addresses")
        void portsAreStripped() {
            assertEquals("203.0.113.5", behindProxy.resolve("10.0.0.1", "203.0.113.5:4711"));
            assertEquals("2001:db8::1", behindProxy.resolve("10.0.0.1", "[2001:db8::1]:4711"));
            assertEquals("2001:db8::1", behindProxy.resolve("10.0.0.1", "2001:db8::1"));
        }

        @Test
        @DisplayName("counts IPv6 clients by their /64 network and IPv4 clients by their address")
        void limitKeys() {
            assertEquals("2001:db8:1:2::/64", ClientAddresses.limitKey("2001:db8:1:2:aaaa::1"));
            assertEquals(ClientAddresses.limitKey("2001:db8:1:2::5"), ClientAddresses.limitKey("2001:db8:1:2:ffff::9"));
            assertEquals("203.0.113.5", ClientAddresses.limitKey("203.0.113.5"));
        }

        @Test
        @DisplayName("falls back to the peer when the chain holds garbage, and uses the peer without a header")
        void garbageAndMissing() {
            assertEquals("10.0.0.2", behindProxy.resolve("10.0.0.2", "not-an-ip, 10.0.0.9"));
            assertEquals("10.0.0.2", behindProxy.resolve("10.0.0.2", null));
            assertEquals("10.0.0.3", behindProxy.resolve("10.0.0.2", "10.0.0.3, 10.0.0.4"));
        }
    }

    @Nested
    @DisplayName("OriginPolicy")
    class Origins {
        @Test
        @DisplayName("without a list, allows only the origin of the Host the request was sent to")
        void sameOrigin() {
            OriginPolicy policy = new OriginPolicy(List.of());
            assertTrue(policy.allows("http://relay.example.com:3001", "relay.example.com:3001"));
            assertTrue(policy.allows("https://relay.example.com", "relay.example.com:443"));
            assertFalse(policy.allows("https://evil.example.net", "relay.example.com"));
            assertFalse(policy.allows("null", "relay.example.com"));
            assertTrue(policy.allows(null, "relay.example.com"), "no Origin: not a browser page");
        }

        @Test
        @DisplayName("with a list, allows exactly the listed origins, default ports normalised")
        void listed() {
            OriginPolicy policy = new OriginPolicy(List.of(OriginPolicy.canonical("https://Panel.Example.com:443")));
            assertTrue(policy.allows("https://panel.example.com", "relay.internal"));
            assertFalse(policy.allows("http://panel.example.com", "relay.internal"));
            assertFalse(policy.allows("https://panel.example.com.evil.net", "relay.internal"));
            assertFalse(policy.allows("https://relay.internal", "relay.internal"), "the list replaces same-origin");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"panel.example.com", "https://panel.example.com/app", "ftp://x", "*", "https://u@x.com"})
        @DisplayName("rejects configured values that are not origins")
        void rejectsBadConfig(String origin) {
            assertThrows(IllegalArgumentException.class, () -> OriginPolicy.canonical(origin));
        }
    }

    @Nested
    @DisplayName("TokenBucket, ConnectionCounter, AuthFailures")
    class Budgets {
        @Test
        @DisplayName("a token bucket allows its burst, then refills at its rate")
        void tokenBucket() {
            TokenBucket bucket = new TokenBucket(10, 3, 0);
            assertTrue(bucket.tryTake(0));
            assertTrue(bucket.tryTake(0));
            assertTrue(bucket.tryTake(0));
            assertFalse(bucket.tryTake(0));
            assertTrue(bucket.tryTake(100_000_000), "one token after 100 ms at 10/s");
            assertFalse(bucket.tryTake(100_000_000));
            assertTrue(bucket.tryTake(10_000_000_000L));
            assertTrue(bucket.tryTake(10_000_000_000L));
            assertTrue(bucket.tryTake(10_000_000_000L));
            assertFalse(bucket.tryTake(10_000_000_000L), "never more than the burst");
        }

        @Test
        @DisplayName("a connection counter caps each key and forgets keys that reach zero")
        void counter() {
            ConnectionCounter counter = new ConnectionCounter(2);
            assertTrue(counter.tryAcquire("a"));
            assertTrue(counter.tryAcquire("a"));
            assertFalse(counter.tryAcquire("a"));
            assertTrue(counter.tryAcquire("b"));
            counter.release("a");
            assertTrue(counter.tryAcquire("a"));
            counter.release("a");
            counter.release("a");
            counter.release("b");
            assertEquals(0, counter.size());
        }

        @Test
        @DisplayName("auth failures block an address for the rest of its window only")
        void authFailures() {
            AuthFailures failures = new AuthFailures(2, Duration.ofSeconds(60));
            long t = 1_000;
            failures.recordFailure("1.2.3.4", t);
            assertFalse(failures.isBlocked("1.2.3.4", t));
            failures.recordFailure("1.2.3.4", t);
            assertTrue(failures.isBlocked("1.2.3.4", t));
            assertFalse(failures.isBlocked("5.6.7.8", t));
            long later = t + Duration.ofSeconds(61).toNanos();
            assertFalse(failures.isBlocked("1.2.3.4", later));
            failures.prune(later);
            assertEquals(0, failures.tracked());
        }
    }
}
