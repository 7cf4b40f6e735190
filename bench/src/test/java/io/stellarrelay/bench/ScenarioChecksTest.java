package io.stellarrelay.bench;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario checks its options before it starts anything: with PostgreSQL and Redis unreachable,
 * an option out of range is still the error the run ends with, not a failed connection.
 */
class ScenarioChecksTest {
    @TempDir
    Path out;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "connections   | --clients=0          | --clients must be 1..19000",
            "fanout        | --servers-per-client=11 | --servers-per-client must be 1..--servers",
            "fanout        | --rate=0             | --rate must be a positive number of frames per second or 'max'",
            "storm         | --drop=nope          | --drop must be abort, close or restart",
            "first-sync    | --poller=elsewhere   | --poller must be process or in-process",
            "console-flood | --line-bytes=4       | need --watchers >= 1",
            "poller        | --panel-servers=10   | --servers sizes must not exceed --panel-servers"})
    void anOptionOutOfRangeEndsTheRunBeforeTheDatabaseOrRelayStart(String name, String option, String message) {
        Class<?> type = new CommandLine(new BenchMain()).getSubcommands().get(name).getCommandSpec().userObject().getClass();
        CommandLine cli = new CommandLine(type);
        cli.parseArgs(option, "--out", out.toString(),
                "--database-url", "postgresql://postgres@127.0.0.1:1/postgres", "--redis-url", "redis://127.0.0.1:1");
        Scenario scenario = cli.getCommand();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, scenario::execute);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
