package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PollPeriods;
import io.stellarrelay.relay.support.ProcessStack;
import io.stellarrelay.relay.support.ReconnectingClient;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.PanelFixtures.FleetUser;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out on one machine, every part a process of its own as deployed: three relays and one poller,
 * and ninety clients that each know all three relay addresses. One relay is then killed with SIGKILL
 * (a crash: no drain, no withdrawal of its watch set). Its clients must find the survivors on their own;
 * the survivors' clients must not notice anything; the poller must stop counting the dead relay and
 * keep covering everything live relays watch; and the load must end up spread over the survivors.
 */
class ScaleOutIT {
    private static final long INTERVAL_MS = 1000;
    private static final int RELAYS = 3;
    private static final int USERS = 40;
    private static final int SERVERS_PER_USER = 2;
    private static final int CLIENTS = 90;
    /**
     * From the kill to a displaced client having a sync for each of its servers again. The kernel closes
     * a killed process's sockets at once, so the client notices immediately; it waits one backoff
     * (at most 100 ms after a loss), connects, authenticates and subscribes (a few round trips and
     * queries), and then gets each server's last sync at once from Redis, or at the latest with the next
     * tick, one interval away. That is about one interval; three leave room for a loaded machine while
     * still failing if clients had to wait for the dead relay's lease to expire or for a second tick.
     */
    private static final long RECOVERY_BOUND_MS = 3 * INTERVAL_MS;
    /**
     * A relay's watch set lives two intervals past its last renewal (README, Redis contract), and the
     * last renewal came before the kill: Redis's clock alone bounds this.
     */
    private static final long LEASE_MS = 2 * INTERVAL_MS;
    /**
     * README, Failure modes, "Relay killed": the poller drops the relay from its index at its first
     * tick after the lease ran out, so within three intervals.
     */
    private static final long UNCOUNTED_BOUND_MS = 3 * INTERVAL_MS;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static List<FleetUser> fleet;
    private static ProcessStack stack;

    @BeforeAll
    static void start() {
        fleet = PanelFixtures.addFleet(services.db(), USERS, SERVERS_PER_USER);
        stack = ProcessStack.start("scale-out-it", services.db(), services.redis(), RELAYS,
                Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS)));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    /** Counts taken at one quiet moment: the last poll period run, each client's syncs, each channel's publishes. */
    private record Snapshot(long period, Map<ReconnectingClient, Map<String, Long>> counts, Map<String, Long> published) {
        long publishedSince(Snapshot before, String serverId) {
            return published.getOrDefault(serverId, 0L) - before.published.getOrDefault(serverId, 0L);
        }

        /** Syncs {@code client} received per server between {@code before} and this snapshot. */
        Map<String, Long> syncsSince(Snapshot before, ReconnectingClient client) {
            Map<String, Long> delta = new TreeMap<>(counts.get(client));
            before.counts.get(client).forEach((server, n) -> delta.merge(server, -n, Long::sum));
            return delta;
        }
    }

    /** Every server channel of the test's prefix, as the poller publishes to it, counted per server. */
    private static final class Publications implements AutoCloseable {
        private final RedisMessages messages;
        private final Map<String, Long> counts = new HashMap<>();

        Publications(RedisNames names) throws InterruptedException {
            this.messages = RedisMessages.matching(services.redis().url(), names.serverChannel("*"));
        }

        Map<String, Long> counts() throws Exception {
            for (String message : messages.takeReceived()) {
                counts.merge(JSON.readTree(message).path("serverId").asText(), 1L, Long::sum);
            }
            return new HashMap<>(counts);
        }

        @Override
        public void close() throws InterruptedException {
            messages.close();
        }
    }

    /** In the quiet middle of a poll period: ping barriers on {@code clients} (in parallel) and the publications. */
    private static Snapshot snapshot(PollPeriods periods, Collection<ReconnectingClient> clients,
                                     Publications publications, ExecutorService pool) throws Exception {
        return periods.quietly(() -> {
            long period = periods.lastTick();
            List<Future<Map<String, Long>>> drains = new ArrayList<>();
            for (ReconnectingClient client : clients) {
                drains.add(pool.submit(() -> {
                    client.tally().drain();
                    return client.tally().counts();
                }));
            }
            Map<ReconnectingClient, Map<String, Long>> counts = new HashMap<>();
            int i = 0;
            for (ReconnectingClient client : clients) {
                counts.put(client, drains.get(i++).get(WsTestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
            return new Snapshot(period, counts, publications.counts());
        });
    }

    /**
     * The relay addresses in every order. A resolver hands out round-robin records rotated and clients
     * shuffle them, so clients see the same addresses in different orders: the first address spreads
     * them over all relays, and the next one spreads the clients of a failed relay over the others
     * (with one fixed order they would all land on the same survivor).
     */
    private static List<List<Integer>> orders(List<Integer> addresses) {
        if (addresses.size() <= 1) {
            return List.of(addresses);
        }
        List<List<Integer>> orders = new ArrayList<>();
        for (Integer first : addresses) {
            List<Integer> rest = new ArrayList<>(addresses);
            rest.remove(first);
            for (List<Integer> tail : orders(rest)) {
                List<Integer> order = new ArrayList<>(List.of(first));
                order.addAll(tail);
                orders.add(order);
            }
        }
        return orders;
    }

    private static Map<Integer, Long> clientsPerPort(Collection<ReconnectingClient> clients) {
        return clients.stream()
                .collect(Collectors.groupingBy(c -> c.current().port(), TreeMap::new, Collectors.counting()));
    }

    private static void awaitAllSyncing(Collection<ReconnectingClient> clients, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertEquals(List.of(),
                clients.stream().filter(c -> c.current() == null)
                        .map(c -> c + " failed attempts: " + c.failedAttempts()).toList(),
                "clients not receiving syncs"));
    }

    @Test
    @DisplayName("three relay processes and one poller: when one relay is killed its clients move to the others "
            + "and have syncs again within three intervals, the other clients miss and repeat no sync, the poller "
            + "drops the dead relay's watch set yet covers every live one, and the load ends up on both survivors")
    void relayCrashUnderLoad() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        PollPeriods periods = new PollPeriods(services.redis().client(), names, INTERVAL_MS);
        List<ProcessStack.Relay> relays = stack.relays();
        List<List<Integer>> orders = orders(relays.stream().map(ProcessStack.Relay::port).toList());
        ProcessStack.Relay doomed = relays.get(0);
        List<ProcessStack.Relay> survivors = relays.subList(1, RELAYS);
        List<ReconnectingClient> clients = new ArrayList<>();
        try (Publications publications = new Publications(names);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             WsTestClient ghost = WsTestClient.connect(doomed.port(), cookieHeader(ADMIN_TOKEN))) {
            // Client i is fleet user i % USERS, so most users have clients on two or three relays, and
            // every fleet server is watched on at least one relay that survives.
            for (int i = 0; i < CLIENTS; i++) {
                FleetUser user = fleet.get(i % USERS);
                clients.add(ReconnectingClient.start("client-" + i, user.token(), user.servers(),
                        orders.get(i % orders.size())));
            }
            awaitAllSyncing(clients, Duration.ofSeconds(60));
            Map<Integer, Long> spreadBefore = clientsPerPort(clients);
            for (ProcessStack.Relay relay : relays) {
                assertEquals((long) CLIENTS / RELAYS, spreadBefore.getOrDefault(relay.port(), 0L),
                        relay + ": " + spreadBefore);
            }

            // One more socket on the doomed relay, watching a server no client watches and never coming
            // back: after the crash nothing live watches that server, so the poller must drop it.
            assertTrue(ghost.next().contains("auth_success"));
            ghost.send("{\"type\":\"subscribe\",\"serverId\":\"" + OTHER_SERVER + "\"}");
            ghost.awaitSync(OTHER_SERVER);
            String doomedWatchKey = names.relayWatchKey(doomed.id());
            await().atMost(WsTestClient.WAIT).until(() -> services.redis().client().sismember(doomedWatchKey, OTHER_SERVER));

            List<ReconnectingClient> displaced = clients.stream()
                    .filter(c -> c.current().port() == doomed.port()).toList();
            List<ReconnectingClient> staying = clients.stream()
                    .filter(c -> c.current().port() != doomed.port()).toList();
            Set<String> fleetServers = fleet.stream().flatMap(u -> u.servers().stream())
                    .collect(Collectors.toCollection(TreeSet::new));

            // The clients that stay count from a quiet moment before the crash.
            Snapshot beforeKill = snapshot(periods, staying, publications, pool);

            doomed.process().kill();
            assertTrue(doomed.process().waitFor(Duration.ofSeconds(5)), doomed + " did not die");
            long killedAt = System.nanoTime();
            long killPeriod = periods.currentPeriod();

            // (c) Nothing renews the dead relay's watch set any more: its lease runs out, and the poller
            // drops the relay from the index when it next reads the sets.
            // (Waits are generous so that a failure reports the time taken; the bounds are asserted after.)
            await().atMost(Duration.ofMillis(5 * LEASE_MS)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !services.redis().client().exists(doomedWatchKey));
            long watchSetGoneMs = (System.nanoTime() - killedAt) / 1_000_000;
            await().atMost(Duration.ofMillis(5 * UNCOUNTED_BOUND_MS)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !services.redis().client().sismember(names.relayIndexKey(), doomed.id()));
            long uncountedMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(watchSetGoneMs <= LEASE_MS, "the dead relay's watch set expired " + watchSetGoneMs
                    + " ms after the kill; its lease is " + LEASE_MS + " ms");
            assertTrue(uncountedMs <= UNCOUNTED_BOUND_MS, "the poller dropped the dead relay " + uncountedMs
                    + " ms after the kill; bound " + UNCOUNTED_BOUND_MS + " ms");

            // (a) Each displaced client saw its socket go, went to the next address in its list,
            // authenticated, subscribed again and had a sync for each of its servers, within the bound.
            awaitAllSyncing(displaced, Duration.ofSeconds(30));
            long slowestRecoveryMs = 0;
            for (ReconnectingClient client : displaced) {
                List<ReconnectingClient.Loss> losses = client.losses();
                assertEquals(1, losses.size(), client + " lost " + losses);
                assertEquals(doomed.port(), losses.get(0).port(), client + " lost " + losses);
                List<ReconnectingClient.Connection> connections = client.connections();
                assertEquals(2, connections.size(),
                        client + ": " + connections + ", failed: " + client.failedAttempts());
                ReconnectingClient.Connection resumed = connections.get(1);
                int next = client.addresses().get((client.addresses().indexOf(doomed.port()) + 1) % RELAYS);
                assertEquals(next, resumed.port(), client + " went to the next address in its list");
                long recoveryMs = (resumed.syncingAtNanos() - killedAt) / 1_000_000;
                assertTrue(recoveryMs <= RECOVERY_BOUND_MS, client + " had syncs again " + recoveryMs
                        + " ms after the kill; bound " + RECOVERY_BOUND_MS + " ms");
                slowestRecoveryMs = Math.max(slowestRecoveryMs, recoveryMs);
            }
            for (ReconnectingClient client : staying) {
                assertEquals(List.of(), client.losses(), client + " on a surviving relay lost its socket");
            }

            // (d) The load is now on the two survivors, about half each, and each survivor's watch set is
            // exactly what its sockets watch: together every fleet server and nothing else.
            Map<Integer, Long> spreadAfter = clientsPerPort(clients);
            assertEquals(survivors.stream().map(ProcessStack.Relay::port).collect(Collectors.toSet()),
                    spreadAfter.keySet(), "relays holding clients: " + spreadAfter);
            Set<String> liveWatched = new TreeSet<>();
            for (ProcessStack.Relay relay : survivors) {
                long held = spreadAfter.get(relay.port());
                assertTrue(held >= CLIENTS * 2 / 5 && held <= CLIENTS * 3 / 5,
                        relay + " holds " + held + " of " + CLIENTS + " clients: " + spreadAfter);
                await().atMost(WsTestClient.WAIT).pollInterval(Duration.ofMillis(50))
                        .until(() -> relay.readiness().path("connections").asLong() == held);
                Set<String> watchedHere = clients.stream().filter(c -> c.current().port() == relay.port())
                        .flatMap(c -> c.tally().servers().stream()).collect(Collectors.toCollection(TreeSet::new));
                await().atMost(WsTestClient.WAIT).pollInterval(Duration.ofMillis(50)).until(() ->
                        new TreeSet<>(services.redis().client().smembers(names.relayWatchKey(relay.id()))).equals(watchedHere));
                liveWatched.addAll(watchedHere);
            }
            assertEquals(fleetServers, liveWatched);
            assertEquals(survivors.stream().map(ProcessStack.Relay::id).collect(Collectors.toSet()),
                    services.redis().client().smembers(names.relayIndexKey()), "relays the poller counts");

            // From a quiet moment after the move to the end, every client counts; the clients that stayed
            // go on counting from before the kill.
            Snapshot afterMove = snapshot(periods, clients, publications, pool);
            await().atMost(Duration.ofMillis(6 * INTERVAL_MS)).pollInterval(Duration.ofMillis(50))
                    .until(() -> periods.lastTick() >= afterMove.period() + 3);
            Snapshot last = snapshot(periods, clients, publications, pool);
            long periodsSinceKill = last.period() - beforeKill.period();
            long periodsSinceMove = last.period() - afterMove.period();

            // (b) Clients on the surviving relays: one sync per period and server from before the crash to
            // the end, none missing and none twice.
            for (ReconnectingClient client : staying) {
                assertEquals(client.tally().expected(periodsSinceKill), last.syncsSince(beforeKill, client),
                        client + ": syncs over " + periodsSinceKill + " periods from before the kill");
            }
            // (a, continued) The moved clients, too, get exactly one per period on their new relay.
            for (ReconnectingClient client : displaced) {
                assertEquals(client.tally().expected(periodsSinceMove), last.syncsSince(afterMove, client),
                        client + ": syncs over " + periodsSinceMove + " periods since the move");
            }
            for (ReconnectingClient client : clients) {
                assertEquals(List.of(), client.tally().otherFrames(), client + " saw only syncs");
            }

            // (c, continued) What the poller published, seen on Redis: every server a live relay watches,
            // in every period through the crash, once; the server only the dead relay watched, at most
            // in the ticks that ran while the lease outlived the crash, and not at all since the move.
            Set<String> publishedSinceMove = new TreeSet<>(last.published().keySet());
            publishedSinceMove.removeIf(server -> last.publishedSince(afterMove, server) == 0);
            assertEquals(fleetServers, publishedSinceMove, "servers published since the move");
            for (String server : fleetServers) {
                assertEquals(periodsSinceKill, last.publishedSince(beforeKill, server),
                        server + ": publications over " + periodsSinceKill + " periods from before the kill");
            }
            // The lease ends at most two intervals after the kill, so only the ticks of the next two
            // periods after the kill's own can still have read the dead set.
            long ghostAfterKill = last.publishedSince(beforeKill, OTHER_SERVER);
            long ghostBound = killPeriod + LEASE_MS / INTERVAL_MS - beforeKill.period();
            assertTrue(ghostAfterKill <= ghostBound, OTHER_SERVER + " was published " + ghostAfterKill
                    + " times after the crash; at most " + ghostBound + " ticks can have seen the dead set");
            assertFalse(publishedSinceMove.contains(OTHER_SERVER));

            System.out.printf("ScaleOutIT: %d clients on %d relays %s; killed %s; %d displaced clients had syncs "
                    + "again within %d ms (slowest), watch set expired after %d ms and uncounted after %d ms, load after %s; %d periods counted "
                    + "by the clients that stayed, %d by the moved ones, %s published %d times after the crash%n",
                    CLIENTS, RELAYS, spreadBefore, doomed, displaced.size(), slowestRecoveryMs, watchSetGoneMs, uncountedMs,
                    spreadAfter, periodsSinceKill, periodsSinceMove, OTHER_SERVER, ghostAfterKill);
        } finally {
            for (ReconnectingClient client : clients) {
                client.close();
            }
        }
    }
}
