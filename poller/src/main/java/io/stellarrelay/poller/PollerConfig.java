package io.stellarrelay.poller;

import io.stellarrelay.config.EnvReader;
import io.stellarrelay.config.SharedSettings;

import io.stellarrelay.config.Ids;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything the poller reads from its environment. See docs/configuration.md for each variable and its default.
 *
 * @param listenChannel the PostgreSQL notification channel to LISTEN on for changed servers, or
 *                      {@code null} when {@code POLLER_LISTEN} is off
 * @param listenCoalesce how long the first notification waits for others, so a burst costs one query
 * @param replicas       {@code POLLER_REPLICAS}: the shares the watched servers are split into, one per
 *                       poller meant to run; every poller must be given the same number
 * @param rereadTicks    every watched server's row is read again at least once in this many ticks, even
 *                       if nothing says it changed
 */
public record PollerConfig(SharedSettings shared, String pollerId, String healthHost, int healthPort,
                           String listenChannel, Duration listenCoalesce, int replicas, int rereadTicks) {
    public static final String POLLER_ID = "POLLER_ID";
    public static final String HEALTH_HOST = "HEALTH_HOST";
    public static final String HEALTH_PORT = "HEALTH_PORT";
    public static final String POLLER_LISTEN = "POLLER_LISTEN";
    public static final String POLLER_LISTEN_CHANNEL = "POLLER_LISTEN_CHANNEL";
    public static final String POLLER_LISTEN_COALESCE_MS = "POLLER_LISTEN_COALESCE_MS";
    public static final String POLLER_REPLICAS = "POLLER_REPLICAS";
    public static final String POLLER_REREAD_TICKS = "POLLER_REREAD_TICKS";
    public static final String DEFAULT_LISTEN_CHANNEL = "stellar_server_changed";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    // An unquoted PostgreSQL identifier, so that it can be written into LISTEN as it is.
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public static PollerConfig fromEnvironment(Map<String, String> env) {
        EnvReader reader = new EnvReader(env);
        SharedSettings shared = SharedSettings.read(reader);
        String id = reader.matching(POLLER_ID, Ids.hostWithSuffix("poller"), ID,
                "1 to 64 characters from A-Z a-z 0-9 _ . -");
        String healthHost = reader.string(HEALTH_HOST, "0.0.0.0");
        int healthPort = reader.integer(HEALTH_PORT, 3002, 0, 65535);
        boolean listen = reader.flag(POLLER_LISTEN, false);
        String channel = reader.matching(POLLER_LISTEN_CHANNEL, DEFAULT_LISTEN_CHANNEL, CHANNEL,
                "1 to 63 characters from a-z 0-9 _, not starting with a digit");
        Duration coalesce = reader.millis(POLLER_LISTEN_COALESCE_MS, 20, 0, 1000);
        int replicas = reader.integer(POLLER_REPLICAS, 1, 1, 256);
        int reread = reader.integer(POLLER_REREAD_TICKS, 24, 1, 1000);
        reader.finish();
        return new PollerConfig(shared, id, healthHost, healthPort, listen ? channel : null, coalesce, replicas, reread);
    }
}
