package io.stellarrelay.poller;

import io.stellarrelay.config.ConfigException;
import io.stellarrelay.config.ListenAddress;
import io.stellarrelay.config.Logging;
import io.stellarrelay.config.StartupException;
import io.stellarrelay.redis.RedisConnector;

/** {@code java -jar stellar-poller.jar}: configuration comes from the environment (see docs/configuration.md). */
public final class PollerMain {
    private PollerMain() {}

    public static void main(String[] args) {
        RedisConnector.useLargeOutputBuffers(); // a tick pipelines megabytes of frames
        Logging.configure(System.getenv());
        PollerConfig config;
        try {
            config = PollerConfig.fromEnvironment(System.getenv());
            ListenAddress.requireAvailable(PollerConfig.HEALTH_PORT, config.healthHost(), config.healthPort());
        } catch (ConfigException | StartupException e) {
            System.err.println("stellar-poller: " + e.getMessage());
            System.exit(2);
            return;
        }
        Poller poller = Poller.create(config).start();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("poller-shutdown").unstarted(poller::close));
    }
}
