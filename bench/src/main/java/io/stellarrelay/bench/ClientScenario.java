package io.stellarrelay.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A scenario of WebSocket clients against a relay, run as one recipe once its options are checked and
 * recorded ({@link Scenario}): load the fixture database, start the relay (and what the scenario needs
 * beside it), open the client fleet, then measure. A scenario supplies the steps; the order is the same
 * for all.
 */
abstract class ClientScenario extends Scenario {
    /** What the clients run against: the fixture database, the relay, and the fleet they connect from. */
    record Rig(FixtureDatabase db, RelayProcess relay, ClientFleet fleet) {}

    /** Fills the run's fresh database with the users, servers and memberships the clients need. */
    abstract void load(BenchRun run, FixtureDatabase db);

    /** Starts what runs beside the relay, before the clients (nothing, unless the scenario says). */
    void startBeside(BenchRun run) throws Exception {
    }

    /** Drives the clients, prints the summary and writes the report. */
    abstract void measure(BenchRun run, Rig rig) throws Exception;

    @Override
    final void run(BenchRun run) throws Exception {
        FixtureDatabase db = run.database();
        load(run, db);
        RelayProcess relay = run.startRelay();
        startBeside(run);
        measure(run, new Rig(db, relay, run.fleet()));
    }

    Duration phaseTimeout() {
        return Duration.ofSeconds(common.phaseTimeoutSeconds);
    }

    /** Connects {@code clients}, {@code concurrency} at a time; notes how many are ready and fails if none is. */
    Phase connect(BenchRun run, ClientFleet fleet, List<BenchClient> clients, int concurrency) throws InterruptedException {
        Phase phase = fleet.connectAll(clients, concurrency, phaseTimeout());
        run.note("%d ready, %d failed %s", phase.ready(), phase.failed(), phase.failures().isEmpty() ? "" : phase.failures());
        if (phase.ready() == 0) {
            throw new IllegalStateException("no client could connect: " + phase.failures());
        }
        return phase;
    }

    /** {@code users} users, each owning {@code perUser} servers of their own. */
    static void loadOwnServers(BenchRun run, FixtureDatabase db, int users, int perUser) {
        run.note("loading %d users, %d servers", users, users * perUser);
        db.populate(users, users * perUser);
    }

    /**
     * {@code count} clients numbered from {@code firstIndex}; the k-th is user k and subscribes to the
     * servers that user owns ({@link Layouts#ownedServers} over {@code users} users).
     */
    static List<BenchClient> ownedClients(FixtureDatabase db, int firstIndex, int count, int users, int perUser) {
        List<BenchClient> clients = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            clients.add(new BenchClient(firstIndex + i, db.token(i), Layouts.ownedServers(i, users, perUser), null));
        }
        return clients;
    }

    /** How long each step of connecting took over a set of clients, and all of them together. */
    record StepTimes(Percentiles connect, Percentiles auth, Percentiles subscribe, Percentiles total) {
        static StepTimes of(List<BenchClient> clients) {
            return new StepTimes(over(clients, BenchClient::connectNanos), over(clients, BenchClient::authNanos),
                    over(clients, BenchClient::subscribeNanos), over(clients, BenchClient::totalNanos));
        }

        private static Percentiles over(List<BenchClient> clients, ToLongFunction<BenchClient> step) {
            return Percentiles.of(clients.stream().mapToLong(step).toArray());
        }
    }
}
