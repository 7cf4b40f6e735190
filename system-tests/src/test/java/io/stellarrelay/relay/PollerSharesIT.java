package io.stellarrelay.relay;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.poller.PollerMain;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.JavaProcess;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POLLER_REPLICAS=3}: three poller processes split the watched servers into three shares, one
 * lease each. One is SIGKILLed; its share is taken over within two intervals. Throughout, no share's
 * poll period is synced twice, every share is synced in every period except the dead poller's between
 * its death and the takeover, and the subscriber sees each server synced exactly once per tick of its
 * share. Periods are taken from the pollers' own (debug) log of each tick, not from arrival times,
 * which a slow tick on a loaded machine would shift into the next period.
 */
class PollerSharesIT {
    private static final long INTERVAL_MS = 1000;
    private static final int SHARES = 3;
    private static final int SERVERS = 300;

    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();
    private RedisNames names;
    private final List<JavaProcess> pollers = new ArrayList<>();

    @BeforeEach
    void start() {
        names = new RedisNames(services.redis().prefix());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (JavaProcess p : pollers) {
            p.close();
        }
    }

    /** The share of a server as the README defines it: CRC-32 of the id's UTF-8 bytes, modulo the shares. */
    private static int shareOf(String serverId) {
        CRC32 crc = new CRC32();
        crc.update(serverId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % SHARES);
    }

    private String leaseHolder(int share) {
        return services.redis().client().get(names.pollerLeaseKey(share, SHARES));
    }

    /** A tick as the poller logs it (at debug): its period, its shares, and how many syncs it published. */
    private static final Pattern TICK = Pattern.compile(
            "Tick of period (\\d+) for shares \\[([0-9, ]+)\\]: TickReport\\[watched=\\d+, published=(\\d+)");

    private record Tick(String poller, long period, int share, int published) {}

    @Test
    @DisplayName("three pollers share the servers; one is SIGKILLed and its share taken over; each server synced once per period throughout")
    void sharesSurviveAKilledPoller() throws Exception {
        List<String> servers = PanelFixtures.addBulkServers(services.db(), SERVERS);
        services.redis().relayWatches("r1", new HashSet<>(servers));
        Map<String, Integer> arrivals = new ConcurrentHashMap<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        CountDownLatch pong = new CountDownLatch(1);
        String channelPrefix = names.serverChannel("");
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onPSubscribe(String pattern, int count) {
                subscribed.countDown();
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                arrivals.merge(channel.substring(channelPrefix.length()), 1, Integer::sum);
            }

            @Override
            public void onPong(String message) {
                pong.countDown();
            }
        };
        try (Connection connection = new RedisConnector(RedisSettings.parse(services.redis().url()), "shares-it")
                .newSubscriberConnection(Duration.ZERO)) {
            Thread thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    listener.proceedWithPatterns(connection, names.serverChannel("*"));
                } catch (Exception ignored) {
                    // closed at the end of the test
                }
            });
            assertTrue(subscribed.await(10, TimeUnit.SECONDS), "subscribed");

            for (int i = 0; i < SHARES; i++) {
                int healthPort = JavaProcess.freePort();
                JavaProcess poller = JavaProcess.startMain("shares-poller-" + i, PollerMain.class,
                        RelayFixture.environment(services.db(), services.redis(), Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS),
                                "POLLER_REPLICAS", Integer.toString(SHARES), "POLLER_ID", "shares-poller-" + i,
                                "HEALTH_PORT", Integer.toString(healthPort), "LOG_LEVEL", "debug")));
                pollers.add(poller);
                poller.awaitHttpOk(healthPort, "/health/ready", Duration.ofSeconds(90));
            }
            // Each poller ends up with one share of its own.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                Set<String> holders = new HashSet<>();
                for (int s = 0; s < SHARES; s++) {
                    holders.add(leaseHolder(s));
                }
                return holders.size() == SHARES && !holders.contains(null);
            });
            long splitPeriod = Math.floorDiv(System.currentTimeMillis(), INTERVAL_MS);
            sleepPeriods(4);

            int victimShare = 1;
            String victim = leaseHolder(victimShare);
            JavaProcess victimProcess = pollers.get(Integer.parseInt(victim.substring(victim.lastIndexOf('-') + 1)));
            long killedAt = System.currentTimeMillis();
            victimProcess.kill();
            assertTrue(victimProcess.waitFor(Duration.ofSeconds(10)), "killed");
            await().atMost(Duration.ofMillis(INTERVAL_MS * 4)).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        String holder = leaseHolder(victimShare);
                        return holder != null && !holder.equals(victim);
                    });
            long takenOverAt = System.currentTimeMillis();
            assertTrue(takenOverAt - killedAt <= INTERVAL_MS * 2,
                    "share taken over within two intervals, took " + (takenOverAt - killedAt) + " ms");
            sleepPeriods(5);
            long lastPeriod = Math.floorDiv(System.currentTimeMillis(), INTERVAL_MS) - 1;

            // Stop the survivors, then make sure every sync they published has arrived (Redis answers the
            // PING after every message before it).
            for (JavaProcess p : pollers) {
                p.terminate();
            }
            for (JavaProcess p : pollers) {
                assertTrue(p.waitFor(Duration.ofSeconds(30)), p + " stopped");
            }
            listener.ping();
            assertTrue(pong.await(10, TimeUnit.SECONDS), "pong");
            listener.punsubscribe();
            thread.join(5000);

            List<Tick> ticks = new ArrayList<>();
            for (int i = 0; i < SHARES; i++) {
                Matcher m = TICK.matcher(pollers.get(i).output());
                while (m.find()) {
                    for (String share : m.group(2).split(", ")) {
                        ticks.add(new Tick("shares-poller-" + i, Long.parseLong(m.group(1)), Integer.parseInt(share),
                                Integer.parseInt(m.group(3))));
                    }
                }
            }
            // No share's period ran twice, from before the first poller started to the end.
            Map<String, List<Tick>> byPeriod = new TreeMap<>();
            for (Tick t : ticks) {
                if (t.published() > 0) {
                    byPeriod.computeIfAbsent(t.share() + "@" + t.period(), k -> new ArrayList<>()).add(t);
                }
            }
            List<String> twice = byPeriod.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .map(e -> e.getKey() + " " + e.getValue()).limit(10).toList();
            assertEquals(List.of(), twice, "a share's period synced twice");

            // Every period from the split on, every share once; the dead poller's share may miss the
            // periods from its death until the one after the takeover.
            long gapFrom = Math.floorDiv(killedAt, INTERVAL_MS);
            long gapTo = Math.floorDiv(takenOverAt, INTERVAL_MS) + 1;
            List<String> missed = new ArrayList<>();
            for (long p = splitPeriod + 1; p <= lastPeriod; p++) {
                for (int share = 0; share < SHARES; share++) {
                    boolean excused = share == victimShare && p >= gapFrom && p <= gapTo;
                    if (!excused && !byPeriod.containsKey(share + "@" + p)) {
                        missed.add(share + "@" + p);
                    }
                }
            }
            assertEquals(List.of(), missed, "periods a share was not synced (gap excused " + gapFrom + ".." + gapTo + ")");
            assertTrue(lastPeriod - gapTo >= 2, "periods observed after the takeover");

            // And what the subscriber saw agrees: each server exactly as many syncs as its share had ticks,
            // plus at most the one tick the SIGKILL cut short.
            Map<Integer, Integer> ticksPerShare = new HashMap<>();
            byPeriod.values().forEach(list -> ticksPerShare.merge(list.get(0).share(), 1, Integer::sum));
            List<String> wrong = new ArrayList<>();
            for (String server : servers) {
                int share = shareOf(server);
                int expected = ticksPerShare.getOrDefault(share, 0);
                int got = arrivals.getOrDefault(server, 0);
                if (got < expected || got > expected + (share == victimShare ? 1 : 0)) {
                    wrong.add(server + " (share " + share + "): " + got + " syncs for " + expected + " ticks");
                }
            }
            assertEquals(List.of(), wrong.stream().limit(10).toList(), wrong.size() + " servers with syncs not matching the ticks");
        }
    }

    /** Lets {@code n} poll periods pass (the test observes; nothing here synchronises with the pollers). */
    private static void sleepPeriods(int n) throws InterruptedException {
        long until = System.currentTimeMillis() + n * INTERVAL_MS;
        await().atMost(Duration.ofMillis(n * INTERVAL_MS + 1000)).pollInterval(Duration.ofMillis(20))
                .until(() -> System.currentTimeMillis() >= until);
    }
}
