package io.stellarrelay.demo;

import io.stellarrelay.config.ConfigException;
import io.stellarrelay.config.EnvReader;
import io.stellarrelay.config.Logging;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code java -jar demo/target/stellar-demo.jar}: the whole stack in one process, with demo data and
 * a page to watch it. Ctrl-C stops everything and deletes the temporary files it wrote.
 */
public final class DemoMain {
    private DemoMain() {}

    /**
     * PostgreSQL's binaries, unpacked once beside the demo's jar or classes (in the build directory, which
     * a clean build removes) instead of into each run's workspace: it takes seconds off every restart.
     */
    private static Path binariesCache() {
        try {
            Path code = Path.of(DemoMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().resolve("embedded-binaries");
        } catch (URISyntaxException | RuntimeException e) {
            return null; // unpack into the workspace, as tests do
        }
    }

    public static void main(String[] args) {
        Logging.configure(System.getenv());
        DemoStack.Options options;
        try {
            EnvReader env = new EnvReader(System.getenv());
            int port = env.integer("PORT", 3001, 0, 65535);
            Duration interval = env.millis("POLL_INTERVAL_MS", 2000, 100, 3_600_000);
            env.finish();
            options = new DemoStack.Options("127.0.0.1", port, interval, Duration.ofSeconds(2), binariesCache());
        } catch (ConfigException e) {
            System.err.println("stellar-demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("Starting the stellar-relay demo (embedded PostgreSQL and Redis, poller, relay)...");
        // The hook comes first: a Ctrl-C while the stack starts waits for the start, then stops it all.
        DemoStack stack = new DemoStack();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("demo-shutdown").unstarted(() -> {
            System.out.println("Stopping the demo...");
            stack.close();
            System.out.println("Stopped; nothing left behind.");
        }));
        try {
            stack.startAll(options);
        } catch (RuntimeException e) {
            System.err.println("stellar-demo: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        String url = "http://localhost:" + stack.port() + "/";
        System.out.println();
        System.out.println("  stellar-relay demo is running: open " + url);
        System.out.println("  Pick a user at the top: their servers appear as live cards, and the simulated");
        System.out.println("  daemon changes a server every 2 s; syncs arrive every " + options.pollInterval().toMillis()
                + " ms.");
        System.out.println("  Open a card's console for its live output; Vic Viewer may not read consoles.");
        System.out.println("  Try the sub-user (one server), the stranger (nothing) and the banned user (refused).");
        System.out.println("  Any WebSocket client works too: ws://localhost:" + stack.port() + "/api/ws");
        System.out.println();
        System.out.println("  Press Ctrl-C to stop; every process, port and temporary file goes with it.");
    }
}
