package io.stellarrelay.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The pieces of a {@code scheme://user:pass@host:port/path?query} URL, percent-decoded. */
record UrlParts(String scheme, String user, String password, String host, int port, String path,
                Map<String, String> query) {

    static UrlParts parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException("expected scheme://host[:port]...");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the URL has no host");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = PercentDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : PercentDecoder.decode(userInfo.substring(colon + 1));
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                query.put(PercentDecoder.decode(eq < 0 ? pair : pair.substring(0, eq)),
                        eq < 0 ? "" : PercentDecoder.decode(pair.substring(eq + 1)));
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new UrlParts(uri.getScheme().toLowerCase(java.util.Locale.ROOT), emptyToNull(user),
                password, host, uri.getPort(), uri.getRawPath() == null ? "" : PercentDecoder.decode(uri.getRawPath()),
                query);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public String toString() {
        return "UrlParts[" + scheme + "://" + (user == null ? "" : user + "@") + host + ":" + port + path + "]";
    }
}
