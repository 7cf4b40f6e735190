package io.stellarrelay.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Every Redis channel and key name, under one prefix ({@code REDIS_PREFIX}, default {@code stellar}).
 *
 * <ul>
 *   <li>{@code <prefix>:server:<serverId>}: channel of one server. Whatever is published there is a
 *   complete client frame ({@code server:sync}, {@code server:status} or {@code server:stats}) that
 *   relays forward verbatim to every socket allowed to watch that server.</li>
 *   <li>{@code <prefix>:console:<serverId>}: console output of one server, a capped stream whose
 *   entries hold {@code data = {"lines":[...]}} (and, deprecated, a channel carrying the same JSON);
 *   relays batch it into {@code server:console} frames for sockets that opted in and may read it.</li>
 *   <li>{@code {<prefix>}:relays}: set of relay ids that may have a watch set.</li>
 *   <li>{@code {<prefix>}:relay:<relayId>:watching}: set of server ids one relay's sockets watch; it
 *   expires unless the relay keeps renewing it, so a crashed relay stops counting on its own.</li>
 *   <li>{@code <prefix>:relay:<relayId>}: a relay's own control channel, always subscribed; on a Redis
 *   Cluster one per sharded connection, {@code <prefix>:relay:<relayId>:{<tag>}}.</li>
 *   <li>{@code <prefix>:last-sync:<serverId>}: the last {@code server:sync} frame the poller published for
 *   the server, kept up to four intervals after the poller last stored or renewed it, so that a new
 *   subscriber gets the current state at once.</li>
 *   <li>{@code {<prefix>}:poller:lease}: id of the active poller; expires unless it renews it.</li>
 *   <li>{@code {<prefix>}:poller:last-tick}: number of the last poll period that was run, so that no
 *   period is run twice when pollers hand over.</li>
 *   <li>With {@code POLLER_REPLICAS} N above 1, one lease and one last tick per share of the servers,
 *   {@code {<prefix>}:poller:lease:<share>} and {@code {<prefix>}:poller:last-tick:<share>} (share 0 to
 *   N-1), and {@code {<prefix>}:pollers}, the live pollers (a sorted set by lease end).</li>
 * </ul>
 * The braces are a Redis Cluster hash tag: all registry keys live in one slot so that one script can
 * read them together. Channels carry no tag, so sharded pub/sub spreads them over the cluster.
 */
public final class RedisNames {
    private final String prefix;
    private final String serverChannelPrefix;
    private final byte[] serverChannelPrefixBytes;
    private final String consoleChannelPrefix;
    private final byte[] consoleChannelPrefixBytes;

    public RedisNames(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.serverChannelPrefix = prefix + ":server:";
        this.serverChannelPrefixBytes = serverChannelPrefix.getBytes(StandardCharsets.UTF_8);
        this.consoleChannelPrefix = prefix + ":console:";
        this.consoleChannelPrefixBytes = consoleChannelPrefix.getBytes(StandardCharsets.UTF_8);
    }

    public String prefix() {
        return prefix;
    }

    public String serverChannel(String serverId) {
        return serverChannelPrefix + serverId;
    }

    public byte[] serverChannelBytes(String serverId) {
        return serverChannel(serverId).getBytes(StandardCharsets.UTF_8);
    }

    /** The server id of a channel from {@link #serverChannel}, or {@code null} for any other channel. */
    public String serverIdOf(byte[] channel) {
        return idAfter(serverChannelPrefixBytes, channel);
    }

    /** The channel a server's console output is published on. */
    public String consoleChannel(String serverId) {
        return consoleChannelPrefix + serverId;
    }

    /**
     * The console stream of a server, {@code <prefix>:console:<serverId>}: the same name as its console
     * channel (Redis keeps keys and channels apart), read with XREAD.
     */
    public String consoleStream(String serverId) {
        return consoleChannelPrefix + serverId;
    }

    /** The server id of a stream from {@link #consoleStream}, or {@code null} for any other key. */
    public String consoleStreamServerId(String key) {
        return key.startsWith(consoleChannelPrefix) && key.length() > consoleChannelPrefix.length()
                ? key.substring(consoleChannelPrefix.length()) : null;
    }

    /** The server id of a channel from {@link #consoleChannel}, or {@code null} for any other channel. */
    public String consoleServerIdOf(byte[] channel) {
        return idAfter(consoleChannelPrefixBytes, channel);
    }

    private static String idAfter(byte[] channelPrefix, byte[] channel) {
        int n = channelPrefix.length;
        if (channel.length <= n || !Arrays.equals(channel, 0, n, channelPrefix, 0, n)) {
            return null;
        }
        return new String(channel, n, channel.length - n, StandardCharsets.UTF_8);
    }

    public byte[] lastSyncKey(String serverId) {
        return (prefix + ":last-sync:" + serverId).getBytes(StandardCharsets.UTF_8);
    }

    public String relayIndexKey() {
        return "{" + prefix + "}:relays";
    }

    public String relayWatchKey(String relayId) {
        return relayWatchKeyPrefix() + relayId + relayWatchKeySuffix();
    }

    /** Watch keys are {@code relayWatchKeyPrefix() + relayId + relayWatchKeySuffix()}. */
    public String relayWatchKeyPrefix() {
        return "{" + prefix + "}:relay:";
    }

    public String relayWatchKeySuffix() {
        return ":watching";
    }

    public String pollerLeaseKey() {
        return "{" + prefix + "}:poller:lease";
    }

    /** The list of server ids relays ask the active poller to sync at once (first subscriber, no recent sync). */
    public String syncRequestsKey() {
        return "{" + prefix + "}:poller:sync-requests";
    }

    public String pollerLastTickKey() {
        return "{" + prefix + "}:poller:last-tick";
    }

    /** The lease of one share of the watched servers; with one share, the one lease of {@link #pollerLeaseKey()}. */
    public String pollerLeaseKey(int share, int shares) {
        return shares == 1 ? pollerLeaseKey() : pollerLeaseKey() + ":" + share;
    }

    /** The last period run for one share; with one share, {@link #pollerLastTickKey()}. */
    public String pollerLastTickKey(int share, int shares) {
        return shares == 1 ? pollerLastTickKey() : pollerLastTickKey() + ":" + share;
    }

    /** The live pollers, by the end of their lease: how many there are decides each one's fair number of shares. */
    public String pollersKey() {
        return "{" + prefix + "}:pollers";
    }

    public String relayControlChannel(String relayId) {
        return prefix + ":relay:" + relayId;
    }

    /**
     * A relay's control channel for one of its sharded subscriber connections on a Redis Cluster:
     * {@code <prefix>:relay:<relayId>:{<tag>}}, where the relay picks the tag so that the channel's slot
     * belongs to that connection's node.
     */
    public byte[] relayShardControlChannelBytes(String relayId, int tag) {
        return (relayControlChannel(relayId) + ":{" + tag + "}").getBytes(StandardCharsets.UTF_8);
    }
}
