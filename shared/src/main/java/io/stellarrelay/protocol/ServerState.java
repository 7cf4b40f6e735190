package io.stellarrelay.protocol;

import java.time.Instant;
import java.util.List;

/**
 * The {@code data} of a {@code server:sync} frame: what the panel showed for one server. Components are
 * declared in the order of the published example, which is the order they are written in.
 * Never add a secret here (node tokens, {@code servers.config}, {@code servers.variables}).
 *
 * @param status lower case, as the panel sent it ({@code "running"})
 * @param cpu    percent of one core; written the way JavaScript prints numbers ({@code 100}, not {@code 100.0})
 */
public record ServerState(
        String id,
        String shortId,
        String name,
        String status,
        boolean suspended,
        String containerId,
        long memory,
        long disk,
        double cpu,
        String cpuPinning,
        long swap,
        boolean oomKillDisable,
        int backupLimit,
        String nodeId,
        String blueprintId,
        String ownerId,
        Instant createdAt,
        Instant updatedAt,
        Node node,
        List<Allocation> allocations,
        Blueprint blueprint) {

    /** The node a server runs on; {@code fqdn}/{@code daemonPort} repeat {@code host}/{@code port}, as the panel did. */
    public record Node(
            String id,
            String shortId,
            String displayName,
            String host,
            int port,
            String protocol,
            int sftpPort,
            boolean isOnline,
            String fqdn,
            int daemonPort,
            Location location) {}

    public record Location(String id, String name) {}

    public record Allocation(String id, String ip, int port, boolean isPrimary) {}

    public record Blueprint(String id, String name) {}
}
