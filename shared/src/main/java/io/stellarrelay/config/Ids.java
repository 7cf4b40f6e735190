package io.stellarrelay.config;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Default instance ids: the host name plus a random suffix, so that a restarted process is a new one. */
public final class Ids {
    private Ids() {}

    public static String hostWithSuffix(String fallbackHost) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "-");
        } catch (Exception e) {
            host = fallbackHost;
        }
        if (host.length() > 40) {
            host = host.substring(0, 40);
        }
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        return host + "-" + HexFormat.of().formatHex(random);
    }
}
