package io.stellarrelay.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

    /**
     * The seed nodes of a Redis Cluster: one or more URLs separated by commas. The cluster client uses one
     * set of credentials and one TLS setting for every node, so all URLs must agree on them; a cluster has
     * only database 0.
     */
    public static List<RedisSettings> parseSeeds(String urls) {
        List<RedisSettings> seeds = new ArrayList<>();
        for (String url : urls.split(",")) {
            if (!url.isBlank()) {
                seeds.add(parse(url.strip()));
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("expected one or more redis:// URLs separated by commas");
        }
        RedisSettings first = seeds.get(0);
        for (RedisSettings seed : seeds) {
            if (seed.database != 0) {
                throw new IllegalArgumentException("a Redis Cluster has only database 0");
            }
            if (seed.tls != first.tls || !Objects.equals(seed.user, first.user)
                    || !Objects.equals(seed.password, first.password)) {
                throw new IllegalArgumentException("all cluster URLs must have the same scheme, user and password");
            }
        }
        return List.copyOf(seeds);
    }

    @Override
    public String toString() {
        return "RedisSettings[" + (tls ? "rediss://" : "redis://") + (user == null ? "" : user + "@")
                + host + ":" + port + "/" + database + (password == null ? "" : ", password=****") + "]";
    }
}
