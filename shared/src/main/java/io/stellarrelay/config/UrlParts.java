package io.stellarrelay.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pieces of a {@code scheme://user:pass@host:port/path?query} URL, percent-decoded.
 *
 * <p>Parsed by hand rather than with {@link java.net.URI}, which gives up on host names with an
 * underscore ({@code panel_db}, common for compose services) that Prisma and Node accept.
 */
record UrlParts(String scheme, String user, String password, String host, int port, String path,
                Map<String, String> query) {

    private static final Pattern URL = Pattern.compile(
            "(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:(?<userinfo>[^@/?#]*)@)?"
                    + "(?<host>\\[[0-9A-Fa-f:.]+]|[^:/?#\\[\\]]*)(?::(?<port>[^/?#]*))?"
                    + "(?<path>/[^?#]*)?(?:\\?(?<query>[^#]*))?(?:#.*)?");

    static UrlParts parse(String url) {
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a valid URL; expected scheme://host[:port]...");
        }
        String host = m.group("host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the URL has no host");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        } else if (!host.matches("[A-Za-z0-9._~%-]+")) {
            throw new IllegalArgumentException("the host name has characters a host name cannot have");
        }
        int port = -1;
        String rawPort = m.group("port");
        if (rawPort != null && !rawPort.isEmpty()) {
            try {
                port = Integer.parseInt(rawPort);
            } catch (NumberFormatException e) {
                port = 0;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("the port must be a number from 1 to 65535");
            }
        }
        String user = null;
        String password = null;
        String userInfo = m.group("userinfo");
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = PercentDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : PercentDecoder.decode(userInfo.substring(colon + 1));
        }
        Map<String, String> query = new LinkedHashMap<>();
        String rawQuery = m.group("query");
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                query.put(PercentDecoder.decode(eq < 0 ? pair : pair.substring(0, eq)),
                        eq < 0 ? "" : PercentDecoder.decode(pair.substring(eq + 1)));
            }
        }
        String path = m.group("path");
        return new UrlParts(m.group("scheme").toLowerCase(Locale.ROOT), user == null || user.isEmpty() ? null : user,
                password, host, port, path == null ? "" : PercentDecoder.decode(path), query);
    }

    @Override
    public String toString() {
        return "UrlParts[" + scheme + "://" + (user == null ? "" : user + "@") + host + ":" + port + path + "]";
    }
}
