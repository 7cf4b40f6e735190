package io.stellarrelay.relay.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One watching client of a fault test and the {@code server:sync} frames it has received, per server.
 * Frames are counted through ping barriers ({@link WsTestClient#drainUntilPong}), so a count covers
 * everything the relay had sent to the socket when it read the ping. The client can move to another
 * relay ({@link #reconnect}) the way a browser behind a load balancer does, with the same credentials.
 */
public final class SyncTally {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String token;
    private final List<String> servers;
    private final Map<String, Long> syncs = new TreeMap<>();
    private final List<String> others = Collections.synchronizedList(new ArrayList<>());
    private WsTestClient client;
    /** Servers the current socket has had a sync for while it was still subscribing to the others. */
    private Set<String> syncedWhileSubscribing = Set.of();

    private SyncTally(String name, String token, List<String> servers) {
        this.name = name;
        this.token = token;
        this.servers = List.copyOf(servers);
    }

    /** Connects to the relay on {@code port}, authenticates with {@code token} and subscribes to {@code servers}. */
    public static SyncTally connect(String name, int port, String token, String... servers) throws Exception {
        SyncTally tally = new SyncTally(name, token, List.of(servers));
        tally.reconnect(port);
        return tally;
    }

    /** Not connected yet: the first {@link #reconnect} opens its socket. */
    public static SyncTally unconnected(String name, String token, List<String> servers) {
        return new SyncTally(name, token, servers);
    }

    /**
     * A new socket to {@code port} (the old one is left as it is): authenticate, subscribe again. When
     * that fails the new socket is closed and the current one stays the current one.
     */
    public synchronized void reconnect(int port) throws Exception {
        WsTestClient fresh = WsTestClient.connect(port);
        Set<String> synced = new HashSet<>();
        try {
            fresh.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            String reply = fresh.awaitMessage(m -> m.contains("\"type\":\"auth_"));
            assertEquals("auth_success", JSON.readTree(reply).path("type").asText(), name + ": " + reply);
            for (String serverId : servers) {
                fresh.send("{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"}");
                // A server subscribed before may already send its sync (the relay's latest, at once).
                fresh.awaitMessage(m -> {
                    String early = syncedServer(m);
                    if (early != null) {
                        synced.add(early);
                    }
                    return m.equals("{\"type\":\"subscribed\",\"serverId\":\"" + serverId + "\"}");
                });
            }
        } catch (Exception | AssertionError e) {
            fresh.close();
            throw e;
        }
        client = fresh;
        syncedWhileSubscribing = synced;
    }

    /** The server id of a {@code server:sync} frame, or null for any other frame. */
    private static String syncedServer(String message) {
        if (!message.startsWith("{\"type\":\"server:sync\"")) {
            return null;
        }
        try {
            return JSON.readTree(message).path("serverId").asText();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public synchronized WsTestClient client() {
        return client;
    }

    public String name() {
        return name;
    }

    public List<String> servers() {
        return servers;
    }

    /**
     * Waits until the current socket has had a sync for each of its servers, in whatever order they
     * come (those are not counted).
     */
    public synchronized void awaitFirstSyncs() throws InterruptedException {
        Set<String> pending = new HashSet<>(servers);
        pending.removeAll(syncedWhileSubscribing);
        while (!pending.isEmpty()) {
            client.awaitMessage(m -> pending.remove(syncedServer(m)));
        }
        syncedWhileSubscribing = Set.of();
    }

    /** Ping barrier: counts every frame the relay had sent to the current socket before it read a ping. */
    public synchronized void drain() throws Exception {
        for (String message : client.drainUntilPong()) {
            JsonNode frame = JSON.readTree(message);
            if ("server:sync".equals(frame.path("type").asText())) {
                syncs.merge(frame.path("serverId").asText(), 1L, Long::sum);
            } else {
                others.add(message);
            }
        }
    }

    /** Syncs counted so far, per server (every subscribed server listed, zero included). */
    public synchronized Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        for (String serverId : servers) {
            counts.put(serverId, syncs.getOrDefault(serverId, 0L));
        }
        return counts;
    }

    /** Frames other than syncs counted so far (errors would show up here). */
    public List<String> otherFrames() {
        synchronized (others) {
            return List.copyOf(others);
        }
    }

    /** {@code counts() - before}, per server. */
    public synchronized Map<String, Long> since(Map<String, Long> before) {
        Map<String, Long> delta = new TreeMap<>();
        counts().forEach((serverId, n) -> delta.put(serverId, n - before.getOrDefault(serverId, 0L)));
        return delta;
    }

    /** What every server would show had each of {@code ticks} ticks reached this client once. */
    public Map<String, Long> expected(long ticks) {
        Map<String, Long> expected = new TreeMap<>();
        for (String serverId : servers) {
            expected.put(serverId, ticks);
        }
        return expected;
    }

    @Override
    public String toString() {
        return name;
    }
}
