package io.stellarrelay.poller;

import io.stellarrelay.config.EnvReader;
import io.stellarrelay.config.SharedSettings;

import java.util.Map;

/** Everything the poller reads from its environment. See the README for each variable and its default. */
public record PollerConfig(SharedSettings shared, int databasePoolSize) {

    public static final String DATABASE_POOL_SIZE = "DATABASE_POOL_SIZE";

    public static PollerConfig fromEnvironment(Map<String, String> env) {
        EnvReader reader = new EnvReader(env);
        SharedSettings shared = SharedSettings.read(reader);
        int poolSize = reader.integer(DATABASE_POOL_SIZE, 2, 1, 50);
        reader.finish();
        return new PollerConfig(shared, poolSize);
    }
}
