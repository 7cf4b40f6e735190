package io.stellarrelay.bench;

import io.stellarrelay.config.Logging;
import io.stellarrelay.redis.RedisConnector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Map;

/**
 * {@code java -jar stellar-bench.jar <scenario> [options]}: starts what it measures (a fixture
 * database, a relay process, a poller where needed), drives it with WebSocket clients on 127.0.0.x,
 * prints a summary and writes JSON and a PNG chart. See bench/README.md.
 */
@Command(name = "stellar-bench", mixinStandardHelpOptions = true, version = "stellar-bench 0.1.0",
        description = "Benchmarks of stellar-relay: each scenario starts a real relay (separate JVM), its own database and Redis prefix, and cleans up after itself.",
        subcommands = {ConnectionsScenario.class, FanoutScenario.class, FirstSyncScenario.class, StormScenario.class,
                PollerScenario.class, ConsoleFloodScenario.class, CompareCommand.class})
public final class BenchMain implements Runnable {
    private static volatile List<String> arguments = List.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The poller scenario runs the poller in this JVM: its connections get what PollerMain gives them.
        RedisConnector.useLargeOutputBuffers();
        System.setProperty("java.awt.headless", "true");
        Logging.configure(Map.of("LOG_LEVEL", "warn"));
        arguments = List.of(args);
        CommandLine cli = new CommandLine(new BenchMain());
        // compare passes everything after its scenario on to that scenario's runs.
        cli.getSubcommands().get("compare").setStopAtPositional(true);
        int status = cli.execute(args);
        System.exit(status);
    }

    static List<String> arguments() {
        return arguments;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
