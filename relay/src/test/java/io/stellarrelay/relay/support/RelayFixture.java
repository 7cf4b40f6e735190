package io.stellarrelay.relay.support;

import io.stellarrelay.config.Secret;
import io.stellarrelay.relay.RelayApp;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** Starting relays against a test database and Redis namespace, and the credentials clients present. */
public final class RelayFixture {
    public static final String SECRET = "test-better-auth-secret-with-enough-entropy";
    public static final SessionCookie COOKIES = new SessionCookie(new Secret(SECRET));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RelayFixture() {}

    /** The environment of a relay (or poller) on these services; {@code overrides} win. */
    public static Map<String, String> environment(TestDatabase db, TestRedis redis, Map<String, String> overrides) {
        return environment(db, redis.url(), redis.prefix(), overrides);
    }

    /** The same on a Redis of the test's own (a private server, a cluster) under {@code prefix}. */
    public static Map<String, String> environment(TestDatabase db, String redisUrl, String prefix,
                                                  Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", db.url());
        env.put("REDIS_URL", redisUrl);
        env.put("REDIS_PREFIX", prefix);
        env.put("BETTER_AUTH_SECRET", SECRET);
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("HEALTH_PORT", "0"); // pollers started from this environment

        env.putAll(overrides);
        return env;
    }

    public static RelayApp startRelay(TestDatabase db, TestRedis redis, Map<String, String> overrides) {
        return RelayApp.create(RelayConfig.fromEnvironment(environment(db, redis, overrides))).start();
    }

    /** A {@code Cookie} header as a browser logged into the panel sends it. */
    public static String cookieHeader(String token) {
        return "theme=dark; " + SessionCookie.NAME + "=" + COOKIES.cookieValue(token) + "; other=1";
    }

    public static HttpResponse<String> get(int port, String path, String cookieHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5));
        if (cookieHeader != null) {
            request.header("Cookie", cookieHeader);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until some relay holds a Redis subscription to the channel, so a publish will reach it. */
    public static void awaitChannelSubscribers(TestRedis redis, String channel, long atLeast) {
        await().atMost(WsTestClient.WAIT).until(() -> redis.subscribers(channel) >= atLeast);
    }
}
