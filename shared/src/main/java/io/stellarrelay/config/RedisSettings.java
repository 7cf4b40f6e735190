package io.stellarrelay.config;

/**
 * Where Redis is, from {@code redis://[user:password@]host[:port][/db]} or {@code rediss://} for TLS.
 * Pub/sub ignores the database number; keys honour it.
 */
public record RedisSettings(String host, int port, String user, Secret password, int database, boolean tls) {

    public static final int DEFAULT_PORT = 6379;

    public static RedisSettings parse(String url) {
        UrlParts parts = UrlParts.parse(url);
        boolean tls = switch (parts.scheme()) {
            case "redis" -> false;
            case "rediss" -> true;
            default -> throw new IllegalArgumentException("expected redis://[user:password@]host:port or rediss://...");
        };
        int database = 0;
        String path = parts.path();
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the path must be a database number (redis://host:port/0)");
            }
            if (database < 0) {
                throw new IllegalArgumentException("the database number must not be negative");
            }
        }
        // redis://:password@host is the classic form without a user name.
        String password = parts.password();
        return new RedisSettings(parts.host(), parts.port() > 0 ? parts.port() : DEFAULT_PORT, parts.user(),
                password == null || password.isEmpty() ? null : new Secret(password), database, tls);
    }

    @Override
    public String toString() {
        return "RedisSettings[" + (tls ? "rediss://" : "redis://") + (user == null ? "" : user + "@")
                + host + ":" + port + "/" + database + (password == null ? "" : ", password=****") + "]";
    }
}
