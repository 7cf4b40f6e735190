package io.stellarrelay.testing;

import io.stellarrelay.db.PanelRows;
import io.stellarrelay.db.PanelRows.Series;

import java.util.List;
import java.util.stream.IntStream;

import static io.stellarrelay.db.PanelRows.Table.ALLOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.BLUEPRINTS;
import static io.stellarrelay.db.PanelRows.Table.LOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.NODES;
import static io.stellarrelay.db.PanelRows.Table.SERVERS;
import static io.stellarrelay.db.PanelRows.Table.SERVER_MEMBERS;
import static io.stellarrelay.db.PanelRows.Table.SESSIONS;
import static io.stellarrelay.db.PanelRows.Table.USERS;

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

    private static final PanelRows.Expr IN_A_WEEK = PanelRows.expr("(now() AT TIME ZONE 'UTC') + interval '7 days'");
    private static final String NODE = "node_456abcdef";
    private static final String BLUEPRINT = "bp_789";

    /** The named rows above. */
    private static PanelRows rows() {
        PanelRows rows = new PanelRows();
        rows.insert(USERS, "id", "name", "email", "role", "banned")
                .row(ADMIN, "Ada Admin", "admin@example.com", "admin", false)
                .row(OWNER, "Owen Owner", "owner@example.com", "user", false)
                .row(MEMBER, "Mia Member", "member@example.com", "user", false)
                .row(STRANGER, "Sam Stranger", "stranger@example.com", "user", false)
                .row(BANNED, "Bob Banned", "banned@example.com", "admin", true);
        rows.insert(SESSIONS, "id", "expiresAt", "token", "userId")
                .row("ses_admin", IN_A_WEEK, ADMIN_TOKEN, ADMIN)
                .row("ses_owner", IN_A_WEEK, OWNER_TOKEN, OWNER)
                .row("ses_member", IN_A_WEEK, MEMBER_TOKEN, MEMBER)
                .row("ses_stranger", IN_A_WEEK, STRANGER_TOKEN, STRANGER)
                .row("ses_banned", IN_A_WEEK, BANNED_TOKEN, BANNED)
                .row("ses_expired", PanelRows.expr("(now() AT TIME ZONE 'UTC') - interval '1 hour'"), EXPIRED_TOKEN,
                        OWNER);
        rows.insert(LOCATIONS, "id", "name").row("loc_123", "US East");
        rows.insert(NODES, "id", "displayName", "host", "port", "protocol", "sftpPort", "memoryLimit", "diskLimit",
                        "cpuLimit", "token", "tokenHash", "isOnline", "locationId")
                .row(NODE, "US-East-1", "node1.example.com", 443, "HTTPS", 2022, 34359738368L, 1099511627776L,
                        16, "node-secret-token", "node-secret-hash", true, "loc_123");
        rows.insert(BLUEPRINTS, "id", "name", "dockerImages", "startup", "config", "scripts", "variables", "dockerConfig")
                .row(BLUEPRINT, "Minecraft Java", "{}", "java -jar server.jar", "{}", "{}", "[]", "{}");
        rows.insert(SERVERS, "id", "shortId", "name", "containerId", "status", "suspended", "memory", "disk", "cpu",
                        "cpuPinning", "swap", "oomKillDisable", "backupLimit", "config", "variables",
                        "nodeId", "blueprintId", "ownerId", "createdAt", "updatedAt", "primaryAllocationId")
                .row(SERVER, "abc123", "my-server", "container_xyz", "RUNNING", false, 2048, 10240, 100,
                        null, 0, false, 5, "{\"rcon_password\":\"do-not-leak\"}", "{\"RCON_PASSWORD\":\"do-not-leak\"}",
                        NODE, BLUEPRINT, OWNER, "2026-03-01 12:00:00", "2026-03-01 12:30:00", "alloc_111")
                .row(OTHER_SERVER, null, "other-server", null, "STOPPED", true, 4096, 20480, 150.5,
                        "0-1", -1, true, 3, null, null,
                        NODE, BLUEPRINT, ADMIN, "2026-03-02 08:15:30.125", "2026-03-02 09:00:00", null);
        rows.insert(ALLOCATIONS, "id", "ip", "port", "assigned", "nodeId", "serverId")
                .row("alloc_333", "10.0.0.5", 25570, true, NODE, SERVER)
                .row("alloc_222", "0.0.0.0", 25566, true, NODE, SERVER)
                .row("alloc_111", "0.0.0.0", 25565, true, NODE, SERVER)
                .row("alloc_free", "0.0.0.0", 25599, false, NODE, null);
        rows.insert(SERVER_MEMBERS, "id", "serverId", "userId", "permissions")
                .row("mem_1", SERVER, MEMBER, List.of("console.read"));
        return rows;
    }

    public static void load(TestDatabase db) {
        db.execute(rows().script());
    }

    /**
     * Adds {@code count} servers {@code bulk_0 ...} owned by {@link #OWNER}, each with two allocations,
     * and returns their ids.
     */
    public static List<String> addBulkServers(TestDatabase db, int count) {
        PanelRows rows = new PanelRows();
        rows.generate(SERVERS, Series.range("i", count))
                .expr("id", "'bulk_' || i")
                .expr("shortId", "'b' || i")
                .expr("name", "'bulk server ' || i")
                .set("status", "RUNNING")
                .set("memory", 1024)
                .set("disk", 2048)
                .expr("cpu", "50 + (i % 7) * 12.5")
                .set("nodeId", NODE)
                .set("blueprintId", BLUEPRINT)
                .set("ownerId", OWNER)
                .expr("primaryAllocationId", "'balloc_a_' || i");
        rows.generate(ALLOCATIONS, Series.range("i", count), Series.values("side", "a", "b"))
                .expr("id", "'balloc_' || side || '_' || i")
                .expr("ip", "'10.1.' || (i / 250) || '.' || (i % 250)")
                .expr("port", "CASE side WHEN 'a' THEN 30000 ELSE 40000 END")
                .set("assigned", true)
                .set("nodeId", NODE)
                .expr("serverId", "'bulk_' || i");
        db.execute(rows.script());
        return IntStream.range(0, count).mapToObj(i -> "bulk_" + i).toList();
    }

    /** A generated user with a valid session ({@code token}) and the servers it owns. */
    public record FleetUser(String id, String token, List<String> servers) {}

    /**
     * Adds {@code users} ordinary users {@code fleet_<i>}, each with a session valid for a week and
     * {@code serversEach} servers {@code fleet_<i>_<k>} of its own (one allocation each) on the node of
     * {@link #load}, for tests that need many distinct clients.
     */
    public static List<FleetUser> addFleet(TestDatabase db, int users, int serversEach) {
        PanelRows rows = new PanelRows();
        rows.generate(USERS, Series.range("i", users))
                .expr("id", "'fleet_' || i")
                .expr("name", "'Fleet User ' || i")
                .expr("email", "'fleet' || i || '@example.com'")
                .set("role", "user")
                .set("banned", false);
        rows.generate(SESSIONS, Series.range("i", users))
                .expr("id", "'fses_' || i")
                .set("expiresAt", IN_A_WEEK)
                .expr("token", "'tok-fleet-' || i")
                .expr("userId", "'fleet_' || i");
        rows.generate(SERVERS, Series.range("i", users), Series.range("k", serversEach))
                .expr("id", "'fleet_' || i || '_' || k")
                .expr("shortId", "'f' || i || '_' || k")
                .expr("name", "'fleet server ' || i || '/' || k")
                .set("status", "RUNNING")
                .set("memory", 2048)
                .set("disk", 4096)
                .set("cpu", 100)
                .set("nodeId", NODE)
                .set("blueprintId", BLUEPRINT)
                .expr("ownerId", "'fleet_' || i")
                .expr("primaryAllocationId", "'falloc_' || i || '_' || k");
        rows.generate(ALLOCATIONS, Series.range("i", users), Series.range("k", serversEach))
                .expr("id", "'falloc_' || i || '_' || k")
                .expr("ip", "'10.2.' || (i / 250) || '.' || (i % 250)")
                .expr("port", "20000 + k")
                .set("assigned", true)
                .set("nodeId", NODE)
                .expr("serverId", "'fleet_' || i || '_' || k");
        db.execute(rows.script());
        return IntStream.range(0, users).mapToObj(i -> new FleetUser("fleet_" + i, "tok-fleet-" + i,
                IntStream.range(0, serversEach).mapToObj(k -> "fleet_" + i + "_" + k).toList())).toList();
    }
}
