package io.stellarrelay.relay;

import io.stellarrelay.config.ConfigException;
import io.stellarrelay.config.ListenAddress;
import io.stellarrelay.config.Logging;
import io.stellarrelay.config.StartupException;

/** {@code java -jar stellar-relay.jar}: configuration comes from the environment (see docs/configuration.md). */
public final class RelayMain {
    private RelayMain() {}

    public static void main(String[] args) {
        Logging.configure(System.getenv());
        RelayConfig config;
        try {
            config = RelayConfig.fromEnvironment(System.getenv());
            ListenAddress.requireAvailable(RelayConfig.PORT, config.host(), config.port());
        } catch (ConfigException | StartupException e) {
            System.err.println("stellar-relay: " + e.getMessage());
            System.exit(2);
            return;
        }
        RelayApp app = RelayApp.create(config).start();
        // SIGTERM (docker stop, rolling deploys) and Ctrl-C: hand clients over, then stop.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("relay-shutdown").unstarted(() -> {
            app.drain();
            app.close();
        }));
    }
}
