package io.stellarrelay.relay.guard;

import java.util.List;

/**
 * Works out the client's address. {@code X-Forwarded-For} is believed only when the connection comes
 * from a trusted proxy, and then only as far as the chain of trusted proxies goes: the address is the
 * right-most entry not itself a trusted proxy, so a client cannot spoof it by sending the header itself.
 */
public final class ClientAddresses {
    private final List<IpRange> trustedProxies;

    public ClientAddresses(List<IpRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public boolean trustsAnyProxy() {
        return !trustedProxies.isEmpty();
    }

    private boolean trusted(String address) {
        byte[] bytes = IpRange.literal(address);
        for (IpRange range : trustedProxies) {
            if (range.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** The client's address from the peer's address and the request's X-Forwarded-For header (may be null). */
    public String resolve(String peerAddress, String forwardedFor) {
        if (forwardedFor == null || forwardedFor.isBlank() || !trusted(peerAddress)) {
            return normalize(peerAddress);
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = withoutPort(hops[i].strip());
            if (IpRange.literal(hop) == null) {
                return normalize(peerAddress); // garbage in the chain: trust nothing past our proxy
            }
            if (!trusted(hop)) {
                return normalize(hop);
            }
        }
        return normalize(withoutPort(hops[0].strip()));
    }

    /** Some proxies append the client's port: {@code 203.0.113.5:4711}, {@code [2001:db8::1]:4711}. */
    static String withoutPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && colon == hop.lastIndexOf(':')) {
            return hop.substring(0, colon); // one colon: IPv4 with a port (IPv6 has several)
        }
        return hop;
    }

    private static String normalize(String address) {
        if (address != null && address.startsWith("[") && address.endsWith("]")) {
            return address.substring(1, address.length() - 1);
        }
        return address;
    }

    /**
     * The key per-address limits count under: the address itself for IPv4, its /64 network for IPv6,
     * where one subscriber usually holds a whole /64 and could otherwise rotate addresses at will.
     */
    public static String limitKey(String address) {
        if (address.indexOf(':') < 0) {
            return address; // IPv4 (or not an address at all): its own key, without parsing it
        }
        byte[] bytes = IpRange.literal(address);
        if (bytes == null || bytes.length == 4) {
            return address;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            key.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
        }
        return key.append(":/64").toString();
    }
}
