package io.stellarrelay.testing;

/**
 * Panel rows every kind of test needs: one of each kind of user, sessions valid and expired, and two
 * servers with node, location, blueprint and allocations. Raw session tokens are the constants below.
 */
public final class PanelFixtures {
    private PanelFixtures() {}

    public static final String ADMIN = "usr_admin";
    public static final String OWNER = "usr_owner";
    public static final String MEMBER = "usr_member";
    public static final String STRANGER = "usr_stranger";
    public static final String BANNED = "usr_banned";

    public static final String ADMIN_TOKEN = "tok-admin-0123456789";
    public static final String OWNER_TOKEN = "tok-owner-0123456789";
    public static final String MEMBER_TOKEN = "tok-member-0123456789";
    public static final String STRANGER_TOKEN = "tok-stranger-0123456789";
    public static final String BANNED_TOKEN = "tok-banned-0123456789";
    /** Belongs to {@link #OWNER}, expired an hour ago. */
    public static final String EXPIRED_TOKEN = "tok-expired-0123456789";

    /** Owned by {@link #OWNER}, {@link #MEMBER} is a sub-user; three allocations. */
    public static final String SERVER = "srv_abc123";
    /** Owned by {@link #ADMIN}; no allocations. */
    public static final String OTHER_SERVER = "srv_other";
    public static final String MISSING_SERVER = "srv_does_not_exist";

    private static final String SQL = """
            INSERT INTO users (id, name, email, role, banned, "updatedAt") VALUES
              ('usr_admin', 'Ada Admin', 'admin@example.com', 'admin', false, now()),
              ('usr_owner', 'Owen Owner', 'owner@example.com', 'user', false, now()),
              ('usr_member', 'Mia Member', 'member@example.com', 'user', false, now()),
              ('usr_stranger', 'Sam Stranger', 'stranger@example.com', 'user', false, now()),
              ('usr_banned', 'Bob Banned', 'banned@example.com', 'admin', true, now());

            INSERT INTO sessions (id, "expiresAt", token, "updatedAt", "userId") VALUES
              ('ses_admin', (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-admin-0123456789', now(), 'usr_admin'),
              ('ses_owner', (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-owner-0123456789', now(), 'usr_owner'),
              ('ses_member', (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-member-0123456789', now(), 'usr_member'),
              ('ses_stranger', (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-stranger-0123456789', now(), 'usr_stranger'),
              ('ses_banned', (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-banned-0123456789', now(), 'usr_banned'),
              ('ses_expired', (now() AT TIME ZONE 'UTC') - interval '1 hour', 'tok-expired-0123456789', now(), 'usr_owner');

            INSERT INTO locations (id, name, "updatedAt") VALUES ('loc_123', 'US East', now());

            INSERT INTO nodes (id, "displayName", host, port, protocol, "sftpPort", "memoryLimit", "diskLimit",
                               "cpuLimit", token, "tokenHash", "isOnline", "locationId", "updatedAt") VALUES
              ('node_456abcdef', 'US-East-1', 'node1.example.com', 443, 'HTTPS', 2022, 34359738368, 1099511627776,
               16, 'node-secret-token', 'node-secret-hash', true, 'loc_123', now());

            INSERT INTO blueprints (id, name, "dockerImages", startup, config, scripts, variables, "dockerConfig",
                                    "updatedAt") VALUES
              ('bp_789', 'Minecraft Java', '{}', 'java -jar server.jar', '{}', '{}', '[]', '{}', now());

            INSERT INTO servers (id, "shortId", name, "containerId", status, suspended, memory, disk, cpu,
                                 "cpuPinning", swap, "oomKillDisable", "backupLimit", config, variables,
                                 "nodeId", "blueprintId", "ownerId", "createdAt", "updatedAt",
                                 "primaryAllocationId") VALUES
              ('srv_abc123', 'abc123', 'my-server', 'container_xyz', 'RUNNING', false, 2048, 10240, 100,
               NULL, 0, false, 5, '{"rcon_password":"do-not-leak"}', '{"RCON_PASSWORD":"do-not-leak"}',
               'node_456abcdef', 'bp_789', 'usr_owner', '2026-03-01 12:00:00', '2026-03-01 12:30:00', 'alloc_111'),
              ('srv_other', NULL, 'other-server', NULL, 'STOPPED', true, 4096, 20480, 150.5,
               '0-1', -1, true, 3, NULL, NULL,
               'node_456abcdef', 'bp_789', 'usr_admin', '2026-03-02 08:15:30.125', '2026-03-02 09:00:00', NULL);

            INSERT INTO allocations (id, ip, port, assigned, "nodeId", "serverId", "updatedAt") VALUES
              ('alloc_333', '10.0.0.5', 25570, true, 'node_456abcdef', 'srv_abc123', now()),
              ('alloc_222', '0.0.0.0', 25566, true, 'node_456abcdef', 'srv_abc123', now()),
              ('alloc_111', '0.0.0.0', 25565, true, 'node_456abcdef', 'srv_abc123', now()),
              ('alloc_free', '0.0.0.0', 25599, false, 'node_456abcdef', NULL, now());

            INSERT INTO server_members (id, "serverId", "userId", permissions, "updatedAt") VALUES
              ('mem_1', 'srv_abc123', 'usr_member', '{console.read}', now());
            """;

    public static void load(TestDatabase db) {
        db.execute(SQL);
    }

    /**
     * Adds {@code count} servers {@code bulk_0 ...} owned by {@link #OWNER}, each with two allocations,
     * and returns their ids.
     */
    public static java.util.List<String> addBulkServers(TestDatabase db, int count) {
        db.execute("""
                INSERT INTO servers (id, "shortId", name, status, memory, disk, cpu, "nodeId", "blueprintId",
                                     "ownerId", "updatedAt", "primaryAllocationId")
                SELECT 'bulk_' || i, 'b' || i, 'bulk server ' || i, 'RUNNING', 1024, 2048, 50 + (i %% 7) * 12.5,
                       'node_456abcdef', 'bp_789', 'usr_owner', now(), 'balloc_a_' || i
                  FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO allocations (id, ip, port, assigned, "nodeId", "serverId", "updatedAt")
                SELECT 'balloc_' || side || '_' || i, '10.1.' || (i / 250) || '.' || (i %% 250),
                       CASE side WHEN 'a' THEN 30000 ELSE 40000 END, true, 'node_456abcdef', 'bulk_' || i, now()
                  FROM generate_series(0, %1$d - 1) AS i, (VALUES ('a'), ('b')) AS sides(side);
                """.formatted(count));
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> "bulk_" + i).toList();
    }

    /** A generated user with a valid session ({@code token}) and the servers it owns. */
    public record FleetUser(String id, String token, java.util.List<String> servers) {}

    /**
     * Adds {@code users} ordinary users {@code fleet_<i>}, each with a session valid for a week and
     * {@code serversEach} servers {@code fleet_<i>_<k>} of its own (one allocation each) on the node of
     * {@link #load}, for tests that need many distinct clients.
     */
    public static java.util.List<FleetUser> addFleet(TestDatabase db, int users, int serversEach) {
        db.execute("""
                INSERT INTO users (id, name, email, role, banned, "updatedAt")
                SELECT 'fleet_' || i, 'Fleet User ' || i, 'fleet' || i || '@example.com', 'user', false, now()
                  FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO sessions (id, "expiresAt", token, "updatedAt", "userId")
                SELECT 'fses_' || i, (now() AT TIME ZONE 'UTC') + interval '7 days', 'tok-fleet-' || i, now(), 'fleet_' || i
                  FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO servers (id, "shortId", name, status, memory, disk, cpu, "nodeId", "blueprintId",
                                     "ownerId", "updatedAt", "primaryAllocationId")
                SELECT 'fleet_' || i || '_' || k, 'f' || i || '_' || k, 'fleet server ' || i || '/' || k, 'RUNNING',
                       2048, 4096, 100, 'node_456abcdef', 'bp_789', 'fleet_' || i, now(), 'falloc_' || i || '_' || k
                  FROM generate_series(0, %1$d - 1) AS i, generate_series(0, %2$d - 1) AS k;
                INSERT INTO allocations (id, ip, port, assigned, "nodeId", "serverId", "updatedAt")
                SELECT 'falloc_' || i || '_' || k, '10.2.' || (i / 250) || '.' || (i %% 250), 20000 + k, true,
                       'node_456abcdef', 'fleet_' || i || '_' || k, now()
                  FROM generate_series(0, %1$d - 1) AS i, generate_series(0, %2$d - 1) AS k;
                """.formatted(users, serversEach));
        return java.util.stream.IntStream.range(0, users).mapToObj(i -> new FleetUser("fleet_" + i, "tok-fleet-" + i,
                java.util.stream.IntStream.range(0, serversEach).mapToObj(k -> "fleet_" + i + "_" + k).toList())).toList();
    }
}
