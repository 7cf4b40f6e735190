package io.stellarrelay.demo;

import io.stellarrelay.db.PanelRows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import static io.stellarrelay.db.PanelRows.Table.ALLOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.BLUEPRINTS;
import static io.stellarrelay.db.PanelRows.Table.LOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.NODES;
import static io.stellarrelay.db.PanelRows.Table.SERVERS;
import static io.stellarrelay.db.PanelRows.Table.SERVER_MEMBERS;
import static io.stellarrelay.db.PanelRows.Table.SESSIONS;
import static io.stellarrelay.db.PanelRows.Table.USERS;

/**
 * The demo's panel installation: two locations, three nodes, three blueprints, twelve servers and
 * seven users. The demo loads {@link #script()}; {@code db/demo-data.sql}, which the compose
 * {@code demo} profile loads, is the same script written out (DemoDataFileTest keeps the two equal).
 */
final class DemoInstallation {
    private DemoInstallation() {}

    private static final String HEADER = """
            -- Demo data for the stellar-relay compose stack. NOT FOR PRODUCTION.
            --
            -- Generated from demo/src/main/java/io/stellarrelay/demo/DemoInstallation.java, which is what the
            -- demo itself loads: change the class, then copy the demo/target/demo-data.sql that DemoDataFileTest
            -- writes when the two disagree over this file.
            --
            -- Loaded by the postgres container right after the panel schema (docker-entrypoint-initdb.d, so only
            -- into an empty data volume). It fills the panel tables with a small, readable installation: two
            -- locations, three nodes, three blueprints, twelve servers and seven users, so that the relay and the
            -- poller have something to serve without a real StellarStack panel.
            --
            -- Everything secret-looking here is fake and public: node tokens contain "NOT-A-SECRET" and the
            -- session tokens are plain words. The session tokens are the raw tokens Better Auth stores; a client
            -- still has to sign one with BETTER_AUTH_SECRET to build a cookie the relay accepts.
            --
            --   user id               role   what it may see                      session token (raw)
            --   usr_demo_admin        admin  every server; owns 07, 10, 12         demo-admin-token
            --   usr_demo_owner_1      user   owns srv_demo_01, 02, 05, 08         demo-owner1-token
            --   usr_demo_owner_2      user   owns srv_demo_03, 04, 06, 09, 11     demo-owner2-token
            --   usr_demo_subuser      user   member of srv_demo_01 only           demo-subuser-token
            --   usr_demo_viewer       user   member of srv_demo_02, no console    demo-viewer-token
            --   usr_demo_stranger     user   nothing                              demo-stranger-token
            --   usr_demo_banned       user   nothing (banned)                     demo-banned-token
            --   usr_demo_owner_1      user   (expired session)                    demo-expired-token
            --
            -- Units follow the panel: node memoryLimit/diskLimit in bytes and
            -- cpuLimit in cores; server memory/disk/swap in MiB and cpu in percent of one core (150.5 = 1.5 cores).
            -- Timestamps are UTC, as the panel stores them in TIMESTAMP(3) WITHOUT TIME ZONE columns.

            -- Plain SQL (no psql meta-commands), in one transaction: it loads completely or not at all.

            BEGIN;

            -- LOCALTIMESTAMP (and the columns' CURRENT_TIMESTAMP defaults) are then UTC, whatever the server's
            -- TimeZone setting is. Only this session is affected.
            SET LOCAL TIME ZONE 'UTC';

            """;

    private static final PanelRows.Expr LOADED = PanelRows.expr("LOCALTIMESTAMP(3)");
    private static final String BROWSER = "demo-browser/1.0";
    private static final String EGG_INSTALL = """
            {"installation": {"script": "#!/bin/bash\\necho demo install", "container": "ghcr.io/demo/installers:%s", \
            "entrypoint": "bash"}}""";

    /** The whole script: the rows in one transaction, with UTC as the session's time zone. */
    static String script() {
        return HEADER + rows().script() + "\nCOMMIT;\n";
    }

    private static PanelRows.Expr ago(String interval) {
        return PanelRows.expr("LOCALTIMESTAMP(3) - interval '" + interval + "'");
    }

    private static PanelRows.Expr fromNow(String interval) {
        return PanelRows.expr("LOCALTIMESTAMP(3) + interval '" + interval + "'");
    }

    static PanelRows rows() {
        PanelRows rows = new PanelRows();
        users(rows);
        nodes(rows);
        blueprints(rows);
        servers(rows);
        allocations(rows);
        // The sub-user may read the console of srv_demo_01 and start it, nothing more; the viewer may start
        // srv_demo_02 and read its files, but not its console.
        rows.insert(SERVER_MEMBERS, "id", "serverId", "userId", "permissions", "createdAt", "updatedAt")
                .row("member_demo_01_subuser", "srv_demo_01", "usr_demo_subuser", List.of("console.read", "control.start"),
                        ago("60 days"), ago("30 days"))
                .row("member_demo_02_viewer", "srv_demo_02", "usr_demo_viewer", List.of("control.start", "file.read"),
                        ago("40 days"), ago("15 days"));
        return rows;
    }

    /** The users of the header's table, each with a session valid for a year from loading, and one expired session. */
    private static void users(PanelRows rows) {
        rows.insert(USERS, "id", "name", "email", "emailVerified", "role", "banned", "twoFactorEnabled", "createdAt",
                        "updatedAt")
                .row("usr_demo_admin", "Ada Admin", "admin@demo.stellarstack.invalid", true, "admin", false, true,
                        ago("400 days"), ago("3 days"))
                .row("usr_demo_owner_1", "Olivia Owner", "olivia@demo.stellarstack.invalid", true, "user", false, false,
                        ago("200 days"), ago("10 days"))
                .row("usr_demo_owner_2", "Oscar Owner", "oscar@demo.stellarstack.invalid", true, "user", false, false,
                        ago("150 days"), ago("20 days"))
                .row("usr_demo_subuser", "Sam Subuser", "sam@demo.stellarstack.invalid", true, "user", false, false,
                        ago("90 days"), ago("30 days"))
                .row("usr_demo_viewer", "Vic Viewer", "vic@demo.stellarstack.invalid", true, "user", false, false,
                        ago("45 days"), ago("15 days"))
                .row("usr_demo_stranger", "Stan Stranger", "stan@demo.stellarstack.invalid", false, "user", false, false,
                        ago("12 days"), ago("12 days"))
                .row("usr_demo_banned", "Bella Banned", "bella@demo.stellarstack.invalid", true, "user", true, false,
                        ago("60 days"), ago("5 days"));
        var sessions = rows.insert(SESSIONS, "id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress",
                "userAgent", "userId");
        live(sessions, "usr_demo_admin", "demo-admin-token", "198.51.100.200");
        live(sessions, "usr_demo_owner_1", "demo-owner1-token", "198.51.100.201");
        live(sessions, "usr_demo_owner_2", "demo-owner2-token", "198.51.100.202");
        live(sessions, "usr_demo_subuser", "demo-subuser-token", "198.51.100.203");
        live(sessions, "usr_demo_viewer", "demo-viewer-token", "198.51.100.206");
        live(sessions, "usr_demo_stranger", "demo-stranger-token", "198.51.100.204");
        live(sessions, "usr_demo_banned", "demo-banned-token", "198.51.100.205");
        sessions.row("sess_demo_expired", ago("1 day"), "demo-expired-token", ago("31 days"), ago("31 days"),
                "198.51.100.201", BROWSER, "usr_demo_owner_1");
    }

    /** Session {@code sess_<user without usr_>}, opened as the rows are loaded and valid for a year. */
    private static void live(PanelRows.Insert sessions, String user, String token, String ip) {
        sessions.row("sess_" + user.substring("usr_".length()), fromNow("365 days"), token, LOADED, LOADED, ip, BROWSER,
                user);
    }

    /**
     * Two locations and one node per protocol; node_us_east_2 is offline (old heartbeat). Hosts use the
     * reserved .invalid TLD, so nothing ever resolves. tokenHash is the SHA-256 of the fake token.
     */
    private static void nodes(PanelRows rows) {
        rows.insert(LOCATIONS, "id", "name", "description", "country", "city", "createdAt", "updatedAt")
                .row("loc_us_east", "US East", "Demo location on the US east coast", "US", "Ashburn",
                        ago("400 days"), ago("400 days"))
                .row("loc_eu_central", "EU Central", "Demo location in central Europe", "DE", "Frankfurt",
                        ago("300 days"), ago("300 days"));
        var nodes = rows.insert(NODES, "id", "displayName", "host", "port", "protocol", "sftpPort", "memoryLimit",
                "diskLimit", "cpuLimit", "uploadLimit", "token", "tokenHash", "isOnline", "lastHeartbeat",
                "heartbeatLatency", "locationId", "createdAt", "updatedAt");
        String token = "demo-node-token-us-east-1-NOT-A-SECRET";
        nodes.row("node_us_east_1", "US East 1", "us-east-1.nodes.demo.stellarstack.invalid", 8443, "HTTPS", 2022,
                68719476736L, 1099511627776L, 16, 104857600, token, sha256(token),
                true, ago("4 seconds"), 12, "loc_us_east", ago("380 days"), ago("4 seconds"));
        token = "demo-node-token-us-east-2-NOT-A-SECRET";
        nodes.row("node_us_east_2", "US East 2", "us-east-2.nodes.demo.stellarstack.invalid", 8080, "HTTP", 2022,
                34359738368L, 549755813888L, 8, 52428800, token, sha256(token),
                false, ago("2 hours"), 87, "loc_us_east", ago("250 days"), ago("2 hours"));
        token = "demo-node-token-eu-central-1-NOT-A-SECRET";
        nodes.row("node_eu_central_1", "EU Central 1", "eu-central-1.nodes.demo.stellarstack.invalid", 443, "HTTPS_PROXY",
                2222, 137438953472L, 2199023255552L, 32, 209715200, token, sha256(token),
                true, ago("2 seconds"), 31, "loc_eu_central", ago("290 days"), ago("2 seconds"));
    }

    /** Pterodactyl-style eggs, trimmed to a few fields. */
    private static void blueprints(PanelRows rows) {
        rows.insert(BLUEPRINTS, "id", "name", "description", "category", "author", "metaVersion", "fileDenylist",
                        "dockerImages", "startup", "config", "scripts", "variables", "features", "dockerConfig",
                        "isPublic", "createdAt", "updatedAt")
                .row("bp_minecraft_java", "Minecraft: Java Edition", "Vanilla Minecraft Java server (demo blueprint)",
                        "minecraft", "demo@stellarstack.invalid", "PTDL_v2", List.of(),
                        "{\"Java 21\": \"ghcr.io/demo/yolks:java_21\", \"Java 17\": \"ghcr.io/demo/yolks:java_17\"}",
                        "java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}} nogui",
                        """
                        {"files": "{}", "startup": "{\\"done\\": \\")! For help, type \\"}", "logs": "{}", "stop": "stop"}""",
                        EGG_INSTALL.formatted("debian"),
                        """
                        [{"name": "Server Jar File", "description": "The jar to run", "env_variable": "SERVER_JARFILE", \
                        "default_value": "server.jar", "user_viewable": true, "user_editable": true, \
                        "rules": "required|string|max:64", "field_type": "text"},
                          {"name": "Minecraft Version", "description": "Version to install", \
                        "env_variable": "MINECRAFT_VERSION", "default_value": "latest", "user_viewable": true, \
                        "user_editable": true, "rules": "required|string|max:20", "field_type": "text"}]""",
                        List.of("eula", "java_version"),
                        "{\"stop_signal\": \"SIGTERM\", \"tty\": true}",
                        true, ago("380 days"), ago("45 days"))
                .row("bp_valheim", "Valheim", "Valheim dedicated server (demo blueprint)",
                        "survival", "demo@stellarstack.invalid", "PTDL_v2", List.of(),
                        "{\"SteamCMD Debian\": \"ghcr.io/demo/steamcmd:debian\"}",
                        "./valheim_server.x86_64 -name \"{{SERVER_NAME}}\" -port {{SERVER_PORT}} -world \"{{WORLD}}\""
                                + " -password \"{{PASSWORD}}\"",
                        """
                        {"files": "{}", "startup": "{\\"done\\": \\"Game server connected\\"}", "logs": "{}", "stop": "^C"}""",
                        EGG_INSTALL.formatted("steamcmd"),
                        """
                        [{"name": "World", "description": "World name", "env_variable": "WORLD", \
                        "default_value": "Dedicated", "user_viewable": true, "user_editable": true, \
                        "rules": "required|string|max:32", "field_type": "text"}]""",
                        List.of("steam_disk_space"),
                        "{\"stop_signal\": \"SIGINT\"}",
                        true, ago("280 days"), ago("60 days"))
                .row("bp_terraria", "Terraria (vanilla)", "Terraria dedicated server (demo blueprint)",
                        "sandbox", "demo@stellarstack.invalid", "PTDL_v2", List.of("serverconfig.txt"),
                        "{\"Debian\": \"ghcr.io/demo/yolks:debian\"}",
                        "./TerrariaServer.bin.x86_64 -config serverconfig.txt -port {{SERVER_PORT}} -maxplayers {{MAX_PLAYERS}}",
                        """
                        {"files": "{}", "startup": "{\\"done\\": \\"Type 'help' for a list of commands\\"}", "logs": "{}", \
                        "stop": "exit"}""",
                        EGG_INSTALL.formatted("debian"),
                        """
                        [{"name": "Max Players", "description": "Player slots", "env_variable": "MAX_PLAYERS", \
                        "default_value": "8", "user_viewable": true, "user_editable": true, \
                        "rules": "required|integer|between:1,255", "field_type": "text"}]""",
                        null,
                        "{}",
                        false, ago("200 days"), ago("200 days"));
    }

    /**
     * Twelve servers in every state the relay shows. primaryAllocationId has no foreign key in the panel
     * schema; the allocations it names are inserted with the others, each on the server's own node.
     */
    private static void servers(PanelRows rows) {
        String java21 = "ghcr.io/demo/yolks:java_21";
        String java17 = "ghcr.io/demo/yolks:java_17";
        String steam = "ghcr.io/demo/steamcmd:debian";
        String debian = "ghcr.io/demo/yolks:debian";
        rows.insert(SERVERS, "id", "shortId", "name", "description", "containerId", "status", "previousStatus",
                        "suspended", "memory", "disk", "cpu", "cpuPinning", "swap", "oomKillDisable", "backupLimit",
                        "allocationLimit", "config", "variables", "dockerImage", "customStartupCommands", "nodeId",
                        "blueprintId", "ownerId", "createdAt", "updatedAt", "primaryAllocationId")
                // running, two allocations, one sub-user
                .row("srv_demo_01", "demo01", "Survival SMP", "Friends-and-family survival world", "stellar-srv_demo_01",
                        "RUNNING", "STARTING", false, 6144, 30720, 200, null, -1, false, 5, 2,
                        null, minecraft("server.jar", "1.21.4"), java21, null,
                        "node_us_east_1", "bp_minecraft_java", "usr_demo_owner_1",
                        ago("180 days"), ago("2 hours"), "alloc_demo_01_a")
                // stopped, fractional CPU limit
                .row("srv_demo_02", "demo02", "Creative Build", null, "stellar-srv_demo_02",
                        "STOPPED", "STOPPING", false, 3072, 10240, 150.5, "0-1", 0, false, 3, 1,
                        null, minecraft("paper.jar", "1.21.1"), java21, null,
                        "node_us_east_1", "bp_minecraft_java", "usr_demo_owner_1",
                        ago("120 days"), ago("3 days"), "alloc_demo_02_a")
                // running, three allocations (game, query, crossplay)
                .row("srv_demo_03", "demo03", "Valheim Vikings", "Hardcore Valheim world", "stellar-srv_demo_03",
                        "RUNNING", "STARTING", false, 8192, 25600, 300, null, 1024, false, 3, 3,
                        "{\"stop\": \"^C\"}", "{\"WORLD\": \"Midgard\"}", steam, null,
                        "node_eu_central_1", "bp_valheim", "usr_demo_owner_2",
                        ago("100 days"), ago("1 day"), "alloc_demo_03_a")
                // on the offline node, ended in an error
                .row("srv_demo_04", "demo04", "Terraria Expert", "Expert-mode world", "stellar-srv_demo_04",
                        "ERROR", "RUNNING", false, 2048, 5120, 100, null, -1, false, 1, 1,
                        null, "{\"MAX_PLAYERS\": \"16\"}", debian, null,
                        "node_us_east_2", "bp_terraria", "usr_demo_owner_2",
                        ago("90 days"), ago("2 hours"), "alloc_demo_04_a")
                // still installing: no container yet
                .row("srv_demo_05", "demo05", "Modpack Testing", "Fresh server, installer still running", null,
                        "INSTALLING", null, false, 8192, 40960, 400, null, -1, false, 3, 1,
                        null, null, java17, "-Dlog4j2.formatMsgNoLookups=true",
                        "node_eu_central_1", "bp_minecraft_java", "usr_demo_owner_1",
                        ago("10 minutes"), ago("1 minute"), "alloc_demo_05_a")
                // suspended by an administrator
                .row("srv_demo_06", "demo06", "Old Hardcore World", "Suspended: unpaid invoice (demo)", "stellar-srv_demo_06",
                        "SUSPENDED", "STOPPED", true, 4096, 20480, 100, null, -1, false, 2, 1,
                        null, minecraft("server.jar", "1.20.4"), java17, null,
                        "node_us_east_1", "bp_minecraft_java", "usr_demo_owner_2",
                        ago("300 days"), ago("14 days"), "alloc_demo_06_a")
                // the admin's own server, starting up
                .row("srv_demo_07", "demo07", "Admin Sandbox", "Scratch server for testing blueprints", "stellar-srv_demo_07",
                        "STARTING", "STOPPED", false, 1024, 4096, 50, null, 0, true, 0, 2,
                        null, "{\"MAX_PLAYERS\": \"4\"}", debian, null,
                        "node_us_east_2", "bp_terraria", "usr_demo_admin",
                        ago("30 days"), ago("5 minutes"), "alloc_demo_07_a")
                // in maintenance, remembers it was running before
                .row("srv_demo_08", "demo08", "Valheim Staging", null, "stellar-srv_demo_08",
                        "MAINTENANCE", "RUNNING", false, 4096, 15360, 200, "2,3", -1, false, 3, 2,
                        null, "{\"WORLD\": \"Staging\"}", steam, null,
                        "node_eu_central_1", "bp_valheim", "usr_demo_owner_1",
                        ago("45 days"), ago("6 hours"), "alloc_demo_08_a")
                // a busy modded server
                .row("srv_demo_09", "demo09", "Skyblock Network", "Skyblock with custom plugins", "stellar-srv_demo_09",
                        "RUNNING", "STARTING", false, 12288, 51200, 400, "4-7", 2048, false, 10, 2,
                        null, minecraft("paper.jar", "1.21.4"), java21, null,
                        "node_us_east_1", "bp_minecraft_java", "usr_demo_owner_2",
                        ago("240 days"), ago("20 minutes"), "alloc_demo_09_a")
                // the admin's Valheim test world, stopped
                .row("srv_demo_10", "demo10", "Ragnarok Test", null, "stellar-srv_demo_10",
                        "STOPPED", "STOPPING", false, 4096, 20480, 200, null, -1, false, 2, 1,
                        null, "{\"WORLD\": \"Ragnarok\"}", steam, null,
                        "node_eu_central_1", "bp_valheim", "usr_demo_admin",
                        ago("20 days"), ago("4 days"), "alloc_demo_10_a")
                // a small Terraria server
                .row("srv_demo_11", "demo11", "Terraria Casual", "Journey mode with friends", "stellar-srv_demo_11",
                        "RUNNING", "STARTING", false, 1536, 4096, 75.5, null, 0, false, 1, 1,
                        null, "{\"MAX_PLAYERS\": \"8\"}", debian, null,
                        "node_us_east_1", "bp_terraria", "usr_demo_owner_2",
                        ago("60 days"), ago("3 hours"), "alloc_demo_11_a")
                // the admin's event server, coming up
                .row("srv_demo_12", "demo12", "Event Arena", "Weekend PvP events", "stellar-srv_demo_12",
                        "STARTING", "STOPPED", false, 6144, 20480, 250, null, -1, false, 4, 2,
                        null, minecraft("server.jar", "1.21.4"), java21, null,
                        "node_eu_central_1", "bp_minecraft_java", "usr_demo_admin",
                        ago("7 days"), ago("30 seconds"), "alloc_demo_12_a");
    }

    private static String minecraft(String jar, String version) {
        return "{\"SERVER_JARFILE\": \"" + jar + "\", \"MINECRAFT_VERSION\": \"" + version + "\"}";
    }

    /**
     * Allocations, with IPs from the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and
     * 203.0.113.0/24; created and last updated together. The last two are free ports on their nodes, not
     * assigned to any server.
     */
    private static void allocations(PanelRows rows) {
        var allocations = rows.insert(ALLOCATIONS, "id", "ip", "port", "alias", "assigned", "nodeId", "serverId",
                "createdAt", "updatedAt");
        String usEast1 = "node_us_east_1";
        String usEast2 = "node_us_east_2";
        String euCentral1 = "node_eu_central_1";
        assigned(allocations, "01_a", "203.0.113.10", 25565, "smp.demo.stellarstack.invalid", usEast1, "180 days");
        assigned(allocations, "01_b", "203.0.113.10", 25575, null, usEast1, "170 days");
        assigned(allocations, "02_a", "203.0.113.10", 25566, null, usEast1, "120 days");
        assigned(allocations, "03_a", "192.0.2.30", 2456, "vikings.demo.stellarstack.invalid", euCentral1, "100 days");
        assigned(allocations, "03_b", "192.0.2.30", 2457, null, euCentral1, "100 days");
        assigned(allocations, "03_c", "192.0.2.30", 2458, null, euCentral1, "100 days");
        assigned(allocations, "04_a", "198.51.100.20", 7777, null, usEast2, "90 days");
        assigned(allocations, "05_a", "192.0.2.30", 25565, null, euCentral1, "10 minutes");
        assigned(allocations, "06_a", "203.0.113.10", 25567, null, usEast1, "300 days");
        assigned(allocations, "07_a", "198.51.100.20", 7778, null, usEast2, "30 days");
        assigned(allocations, "07_b", "198.51.100.20", 7779, null, usEast2, "30 days");
        assigned(allocations, "08_a", "192.0.2.30", 2466, null, euCentral1, "45 days");
        assigned(allocations, "08_b", "192.0.2.30", 2467, null, euCentral1, "45 days");
        assigned(allocations, "09_a", "203.0.113.11", 25565, "sky.demo.stellarstack.invalid", usEast1, "240 days");
        assigned(allocations, "09_b", "203.0.113.11", 25575, null, usEast1, "240 days");
        assigned(allocations, "10_a", "192.0.2.31", 2456, null, euCentral1, "20 days");
        assigned(allocations, "11_a", "203.0.113.11", 7777, null, usEast1, "60 days");
        assigned(allocations, "12_a", "192.0.2.31", 25565, "arena.demo.stellarstack.invalid", euCentral1, "7 days");
        assigned(allocations, "12_b", "192.0.2.31", 25566, null, euCentral1, "7 days");
        allocations.row("alloc_demo_free_1", "203.0.113.10", 25568, null, false, usEast1, null,
                ago("380 days"), ago("380 days"));
        allocations.row("alloc_demo_free_2", "192.0.2.30", 25566, null, false, euCentral1, null,
                ago("290 days"), ago("290 days"));
    }

    /** Allocation {@code alloc_demo_<id>} of server {@code srv_demo_<first two characters of id>}. */
    private static void assigned(PanelRows.Insert allocations, String id, String ip, int port, String alias, String node,
                                 String age) {
        allocations.row("alloc_demo_" + id, ip, port, alias, true, node, "srv_demo_" + id.substring(0, 2), ago(age),
                ago(age));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
