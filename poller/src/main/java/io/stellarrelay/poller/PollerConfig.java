package io.stellarrelay.poller;

import io.stellarrelay.config.EnvReader;
import io.stellarrelay.config.SharedSettings;

import io.stellarrelay.config.Ids;

import java.util.Map;
import java.util.regex.Pattern;

/** Everything the poller reads from its environment. See the README for each variable and its default. */
public record PollerConfig(SharedSettings shared, String pollerId, String healthHost, int healthPort) {
    public static final String POLLER_ID = "POLLER_ID";
    public static final String HEALTH_HOST = "HEALTH_HOST";
    public static final String HEALTH_PORT = "HEALTH_PORT";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public static PollerConfig fromEnvironment(Map<String, String> env) {
        EnvReader reader = new EnvReader(env);
        SharedSettings shared = SharedSettings.read(reader);
        String id = reader.matching(POLLER_ID, Ids.hostWithSuffix("poller"), ID,
                "1 to 64 characters from A-Z a-z 0-9 _ . -");
        String healthHost = reader.string(HEALTH_HOST, "0.0.0.0");
        int healthPort = reader.integer(HEALTH_PORT, 3002, 0, 65535);
        reader.finish();
        return new PollerConfig(shared, id, healthHost, healthPort);
    }
}
