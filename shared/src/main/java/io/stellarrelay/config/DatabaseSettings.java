package io.stellarrelay.config;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Where PostgreSQL is. Accepts the panel's Prisma form
 * {@code postgresql://user:pass@host:port/db?schema=public} (also {@code postgres://}) and plain JDBC
 * URLs {@code jdbc:postgresql://...}, which are used as given.
 *
 * @param jdbcUrl  the JDBC URL, without credentials
 * @param user     may be null (JDBC default, or given inside a JDBC URL)
 * @param password may be null
 */
public record DatabaseSettings(String jdbcUrl, String user, Secret password) {

    /** Prisma options with a JDBC equivalent; other Prisma-only options (connection_limit, ...) are ignored. */
    private static final Map<String, String> PRISMA_TO_JDBC = Map.of(
            "schema", "currentSchema",
            "sslmode", "sslmode",
            "sslcert", "sslcert",
            "sslkey", "sslkey",
            "sslrootcert", "sslrootcert",
            "application_name", "ApplicationName",
            "connect_timeout", "connectTimeout");

    public static DatabaseSettings parse(String url) {
        if (url.regionMatches(true, 0, "jdbc:postgresql:", 0, 16)) {
            return new DatabaseSettings(url, null, null);
        }
        UrlParts parts = UrlParts.parse(url);
        if (!parts.scheme().equals("postgresql") && !parts.scheme().equals("postgres")) {
            throw new IllegalArgumentException(
                    "expected postgresql://user:password@host:port/database or jdbc:postgresql://...");
        }
        String database = parts.path().startsWith("/") ? parts.path().substring(1) : parts.path();
        if (database.isEmpty()) {
            throw new IllegalArgumentException("the URL names no database (postgresql://host:port/DATABASE)");
        }
        String host = parts.host().contains(":") ? "[" + parts.host() + "]" : parts.host();
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(host);
        if (parts.port() > 0) {
            jdbc.append(':').append(parts.port());
        }
        jdbc.append('/').append(encode(database));
        StringJoiner params = new StringJoiner("&", "?", "").setEmptyValue("");
        parts.query().forEach((key, value) -> {
            String jdbcKey = PRISMA_TO_JDBC.get(key.toLowerCase(Locale.ROOT));
            if (jdbcKey != null) {
                params.add(jdbcKey + "=" + encode(value));
            }
        });
        jdbc.append(params);
        return new DatabaseSettings(jdbc.toString(), parts.user(),
                parts.password() == null ? null : new Secret(parts.password()));
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "DatabaseSettings[" + redactedUrl() + (user == null ? "" : ", user=" + user) + "]";
    }

    /** The JDBC URL with any password parameter masked, for logs. */
    public String redactedUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1****");
    }
}
