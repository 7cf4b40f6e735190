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
            String hop = hops[i].strip();
            if (IpRange.literal(hop) == null) {
                return normalize(peerAddress); // garbage in the chain: trust nothing past our proxy
            }
            if (!trusted(hop)) {
                return normalize(hop);
            }
        }
        return normalize(hops[0].strip());
    }

    private static String normalize(String address) {
        if (address != null && address.startsWith("[") && address.endsWith("]")) {
            return address.substring(1, address.length() - 1);
        }
        return address;
    }
}
