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

INSERT INTO locations (id, name, description, country, city, "createdAt", "updatedAt") VALUES
    ('loc_us_east', 'US East', 'Demo location on the US east coast', 'US', 'Ashburn', LOCALTIMESTAMP(3) - interval '400 days', LOCALTIMESTAMP(3) - interval '400 days'),
    ('loc_eu_central', 'EU Central', 'Demo location in central Europe', 'DE', 'Frankfurt', LOCALTIMESTAMP(3) - interval '300 days', LOCALTIMESTAMP(3) - interval '300 days');

INSERT INTO nodes (id, "displayName", host, port, protocol, "sftpPort", "memoryLimit", "diskLimit", "cpuLimit", "uploadLimit", token, "tokenHash", "isOnline", "lastHeartbeat", "heartbeatLatency", "locationId", "createdAt", "updatedAt") VALUES
    ('node_us_east_1', 'US East 1', 'us-east-1.nodes.demo.stellarstack.invalid', 8443, 'HTTPS', 2022, 68719476736, 1099511627776, 16, 104857600, 'demo-node-token-us-east-1-NOT-A-SECRET', '3022d374922d0480f3f8a9e6067834f74b93e6a69068d35581a96be2c29b6f0b', true, LOCALTIMESTAMP(3) - interval '4 seconds', 12, 'loc_us_east', LOCALTIMESTAMP(3) - interval '380 days', LOCALTIMESTAMP(3) - interval '4 seconds'),
    ('node_us_east_2', 'US East 2', 'us-east-2.nodes.demo.stellarstack.invalid', 8080, 'HTTP', 2022, 34359738368, 549755813888, 8, 52428800, 'demo-node-token-us-east-2-NOT-A-SECRET', '5a1dc973505edf3b27b986f13716685a857c1a672126c0ba761041472f4b6af2', false, LOCALTIMESTAMP(3) - interval '2 hours', 87, 'loc_us_east', LOCALTIMESTAMP(3) - interval '250 days', LOCALTIMESTAMP(3) - interval '2 hours'),
    ('node_eu_central_1', 'EU Central 1', 'eu-central-1.nodes.demo.stellarstack.invalid', 443, 'HTTPS_PROXY', 2222, 137438953472, 2199023255552, 32, 209715200, 'demo-node-token-eu-central-1-NOT-A-SECRET', '424360d51f544e38ea488ede6aabea0c7fe9cbd60319d127003a8dad9f679278', true, LOCALTIMESTAMP(3) - interval '2 seconds', 31, 'loc_eu_central', LOCALTIMESTAMP(3) - interval '290 days', LOCALTIMESTAMP(3) - interval '2 seconds');

INSERT INTO blueprints (id, name, description, category, author, "metaVersion", "fileDenylist", "dockerImages", startup, config, scripts, variables, features, "dockerConfig", "isPublic", "createdAt", "updatedAt") VALUES
    ('bp_minecraft_java', 'Minecraft: Java Edition', 'Vanilla Minecraft Java server (demo blueprint)', 'minecraft', 'demo@stellarstack.invalid', 'PTDL_v2', '{}', '{"Java 21": "ghcr.io/demo/yolks:java_21", "Java 17": "ghcr.io/demo/yolks:java_17"}', 'java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}} nogui', '{"files": "{}", "startup": "{\"done\": \")! For help, type \"}", "logs": "{}", "stop": "stop"}', '{"installation": {"script": "#!/bin/bash\necho demo install", "container": "ghcr.io/demo/installers:debian", "entrypoint": "bash"}}', '[{"name": "Server Jar File", "description": "The jar to run", "env_variable": "SERVER_JARFILE", "default_value": "server.jar", "user_viewable": true, "user_editable": true, "rules": "required|string|max:64", "field_type": "text"},
  {"name": "Minecraft Version", "description": "Version to install", "env_variable": "MINECRAFT_VERSION", "default_value": "latest", "user_viewable": true, "user_editable": true, "rules": "required|string|max:20", "field_type": "text"}]', '{"eula","java_version"}', '{"stop_signal": "SIGTERM", "tty": true}', true, LOCALTIMESTAMP(3) - interval '380 days', LOCALTIMESTAMP(3) - interval '45 days'),
    ('bp_valheim', 'Valheim', 'Valheim dedicated server (demo blueprint)', 'survival', 'demo@stellarstack.invalid', 'PTDL_v2', '{}', '{"SteamCMD Debian": "ghcr.io/demo/steamcmd:debian"}', './valheim_server.x86_64 -name "{{SERVER_NAME}}" -port {{SERVER_PORT}} -world "{{WORLD}}" -password "{{PASSWORD}}"', '{"files": "{}", "startup": "{\"done\": \"Game server connected\"}", "logs": "{}", "stop": "^C"}', '{"installation": {"script": "#!/bin/bash\necho demo install", "container": "ghcr.io/demo/installers:steamcmd", "entrypoint": "bash"}}', '[{"name": "World", "description": "World name", "env_variable": "WORLD", "default_value": "Dedicated", "user_viewable": true, "user_editable": true, "rules": "required|string|max:32", "field_type": "text"}]', '{"steam_disk_space"}', '{"stop_signal": "SIGINT"}', true, LOCALTIMESTAMP(3) - interval '280 days', LOCALTIMESTAMP(3) - interval '60 days'),
    ('bp_terraria', 'Terraria (vanilla)', 'Terraria dedicated server (demo blueprint)', 'sandbox', 'demo@stellarstack.invalid', 'PTDL_v2', '{"serverconfig.txt"}', '{"Debian": "ghcr.io/demo/yolks:debian"}', './TerrariaServer.bin.x86_64 -config serverconfig.txt -port {{SERVER_PORT}} -maxplayers {{MAX_PLAYERS}}', '{"files": "{}", "startup": "{\"done\": \"Type ''help'' for a list of commands\"}", "logs": "{}", "stop": "exit"}', '{"installation": {"script": "#!/bin/bash\necho demo install", "container": "ghcr.io/demo/installers:debian", "entrypoint": "bash"}}', '[{"name": "Max Players", "description": "Player slots", "env_variable": "MAX_PLAYERS", "default_value": "8", "user_viewable": true, "user_editable": true, "rules": "required|integer|between:1,255", "field_type": "text"}]', NULL, '{}', false, LOCALTIMESTAMP(3) - interval '200 days', LOCALTIMESTAMP(3) - interval '200 days');

INSERT INTO users (id, name, email, "emailVerified", role, banned, "twoFactorEnabled", "createdAt", "updatedAt") VALUES
    ('usr_demo_admin', 'Ada Admin', 'admin@demo.stellarstack.invalid', true, 'admin', false, true, LOCALTIMESTAMP(3) - interval '400 days', LOCALTIMESTAMP(3) - interval '3 days'),
    ('usr_demo_owner_1', 'Olivia Owner', 'olivia@demo.stellarstack.invalid', true, 'user', false, false, LOCALTIMESTAMP(3) - interval '200 days', LOCALTIMESTAMP(3) - interval '10 days'),
    ('usr_demo_owner_2', 'Oscar Owner', 'oscar@demo.stellarstack.invalid', true, 'user', false, false, LOCALTIMESTAMP(3) - interval '150 days', LOCALTIMESTAMP(3) - interval '20 days'),
    ('usr_demo_subuser', 'Sam Subuser', 'sam@demo.stellarstack.invalid', true, 'user', false, false, LOCALTIMESTAMP(3) - interval '90 days', LOCALTIMESTAMP(3) - interval '30 days'),
    ('usr_demo_viewer', 'Vic Viewer', 'vic@demo.stellarstack.invalid', true, 'user', false, false, LOCALTIMESTAMP(3) - interval '45 days', LOCALTIMESTAMP(3) - interval '15 days'),
    ('usr_demo_stranger', 'Stan Stranger', 'stan@demo.stellarstack.invalid', false, 'user', false, false, LOCALTIMESTAMP(3) - interval '12 days', LOCALTIMESTAMP(3) - interval '12 days'),
    ('usr_demo_banned', 'Bella Banned', 'bella@demo.stellarstack.invalid', true, 'user', true, false, LOCALTIMESTAMP(3) - interval '60 days', LOCALTIMESTAMP(3) - interval '5 days');

INSERT INTO sessions (id, "expiresAt", token, "createdAt", "updatedAt", "ipAddress", "userAgent", "userId") VALUES
    ('sess_demo_admin', LOCALTIMESTAMP(3) + interval '365 days', 'demo-admin-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.200', 'demo-browser/1.0', 'usr_demo_admin'),
    ('sess_demo_owner_1', LOCALTIMESTAMP(3) + interval '365 days', 'demo-owner1-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.201', 'demo-browser/1.0', 'usr_demo_owner_1'),
    ('sess_demo_owner_2', LOCALTIMESTAMP(3) + interval '365 days', 'demo-owner2-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.202', 'demo-browser/1.0', 'usr_demo_owner_2'),
    ('sess_demo_subuser', LOCALTIMESTAMP(3) + interval '365 days', 'demo-subuser-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.203', 'demo-browser/1.0', 'usr_demo_subuser'),
    ('sess_demo_viewer', LOCALTIMESTAMP(3) + interval '365 days', 'demo-viewer-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.206', 'demo-browser/1.0', 'usr_demo_viewer'),
    ('sess_demo_stranger', LOCALTIMESTAMP(3) + interval '365 days', 'demo-stranger-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.204', 'demo-browser/1.0', 'usr_demo_stranger'),
    ('sess_demo_banned', LOCALTIMESTAMP(3) + interval '365 days', 'demo-banned-token', LOCALTIMESTAMP(3), LOCALTIMESTAMP(3), '198.51.100.205', 'demo-browser/1.0', 'usr_demo_banned'),
    ('sess_demo_expired', LOCALTIMESTAMP(3) - interval '1 day', 'demo-expired-token', LOCALTIMESTAMP(3) - interval '31 days', LOCALTIMESTAMP(3) - interval '31 days', '198.51.100.201', 'demo-browser/1.0', 'usr_demo_owner_1');

INSERT INTO servers (id, "shortId", name, description, "containerId", status, "previousStatus", suspended, memory, disk, cpu, "cpuPinning", swap, "oomKillDisable", "backupLimit", "allocationLimit", config, variables, "dockerImage", "customStartupCommands", "nodeId", "blueprintId", "ownerId", "createdAt", "updatedAt", "primaryAllocationId") VALUES
    ('srv_demo_01', 'demo01', 'Survival SMP', 'Friends-and-family survival world', 'stellar-srv_demo_01', 'RUNNING', 'STARTING', false, 6144, 30720, 200, NULL, -1, false, 5, 2, NULL, '{"SERVER_JARFILE": "server.jar", "MINECRAFT_VERSION": "1.21.4"}', 'ghcr.io/demo/yolks:java_21', NULL, 'node_us_east_1', 'bp_minecraft_java', 'usr_demo_owner_1', LOCALTIMESTAMP(3) - interval '180 days', LOCALTIMESTAMP(3) - interval '2 hours', 'alloc_demo_01_a'),
    ('srv_demo_02', 'demo02', 'Creative Build', NULL, 'stellar-srv_demo_02', 'STOPPED', 'STOPPING', false, 3072, 10240, 150.5, '0-1', 0, false, 3, 1, NULL, '{"SERVER_JARFILE": "paper.jar", "MINECRAFT_VERSION": "1.21.1"}', 'ghcr.io/demo/yolks:java_21', NULL, 'node_us_east_1', 'bp_minecraft_java', 'usr_demo_owner_1', LOCALTIMESTAMP(3) - interval '120 days', LOCALTIMESTAMP(3) - interval '3 days', 'alloc_demo_02_a'),
    ('srv_demo_03', 'demo03', 'Valheim Vikings', 'Hardcore Valheim world', 'stellar-srv_demo_03', 'RUNNING', 'STARTING', false, 8192, 25600, 300, NULL, 1024, false, 3, 3, '{"stop": "^C"}', '{"WORLD": "Midgard"}', 'ghcr.io/demo/steamcmd:debian', NULL, 'node_eu_central_1', 'bp_valheim', 'usr_demo_owner_2', LOCALTIMESTAMP(3) - interval '100 days', LOCALTIMESTAMP(3) - interval '1 day', 'alloc_demo_03_a'),
    ('srv_demo_04', 'demo04', 'Terraria Expert', 'Expert-mode world', 'stellar-srv_demo_04', 'ERROR', 'RUNNING', false, 2048, 5120, 100, NULL, -1, false, 1, 1, NULL, '{"MAX_PLAYERS": "16"}', 'ghcr.io/demo/yolks:debian', NULL, 'node_us_east_2', 'bp_terraria', 'usr_demo_owner_2', LOCALTIMESTAMP(3) - interval '90 days', LOCALTIMESTAMP(3) - interval '2 hours', 'alloc_demo_04_a'),
    ('srv_demo_05', 'demo05', 'Modpack Testing', 'Fresh server, installer still running', NULL, 'INSTALLING', NULL, false, 8192, 40960, 400, NULL, -1, false, 3, 1, NULL, NULL, 'ghcr.io/demo/yolks:java_17', '-Dlog4j2.formatMsgNoLookups=true', 'node_eu_central_1', 'bp_minecraft_java', 'usr_demo_owner_1', LOCALTIMESTAMP(3) - interval '10 minutes', LOCALTIMESTAMP(3) - interval '1 minute', 'alloc_demo_05_a'),
    ('srv_demo_06', 'demo06', 'Old Hardcore World', 'Suspended: unpaid invoice (demo)', 'stellar-srv_demo_06', 'SUSPENDED', 'STOPPED', true, 4096, 20480, 100, NULL, -1, false, 2, 1, NULL, '{"SERVER_JARFILE": "server.jar", "MINECRAFT_VERSION": "1.20.4"}', 'ghcr.io/demo/yolks:java_17', NULL, 'node_us_east_1', 'bp_minecraft_java', 'usr_demo_owner_2', LOCALTIMESTAMP(3) - interval '300 days', LOCALTIMESTAMP(3) - interval '14 days', 'alloc_demo_06_a'),
    ('srv_demo_07', 'demo07', 'Admin Sandbox', 'Scratch server for testing blueprints', 'stellar-srv_demo_07', 'STARTING', 'STOPPED', false, 1024, 4096, 50, NULL, 0, true, 0, 2, NULL, '{"MAX_PLAYERS": "4"}', 'ghcr.io/demo/yolks:debian', NULL, 'node_us_east_2', 'bp_terraria', 'usr_demo_admin', LOCALTIMESTAMP(3) - interval '30 days', LOCALTIMESTAMP(3) - interval '5 minutes', 'alloc_demo_07_a'),
    ('srv_demo_08', 'demo08', 'Valheim Staging', NULL, 'stellar-srv_demo_08', 'MAINTENANCE', 'RUNNING', false, 4096, 15360, 200, '2,3', -1, false, 3, 2, NULL, '{"WORLD": "Staging"}', 'ghcr.io/demo/steamcmd:debian', NULL, 'node_eu_central_1', 'bp_valheim', 'usr_demo_owner_1', LOCALTIMESTAMP(3) - interval '45 days', LOCALTIMESTAMP(3) - interval '6 hours', 'alloc_demo_08_a'),
    ('srv_demo_09', 'demo09', 'Skyblock Network', 'Skyblock with custom plugins', 'stellar-srv_demo_09', 'RUNNING', 'STARTING', false, 12288, 51200, 400, '4-7', 2048, false, 10, 2, NULL, '{"SERVER_JARFILE": "paper.jar", "MINECRAFT_VERSION": "1.21.4"}', 'ghcr.io/demo/yolks:java_21', NULL, 'node_us_east_1', 'bp_minecraft_java', 'usr_demo_owner_2', LOCALTIMESTAMP(3) - interval '240 days', LOCALTIMESTAMP(3) - interval '20 minutes', 'alloc_demo_09_a'),
    ('srv_demo_10', 'demo10', 'Ragnarok Test', NULL, 'stellar-srv_demo_10', 'STOPPED', 'STOPPING', false, 4096, 20480, 200, NULL, -1, false, 2, 1, NULL, '{"WORLD": "Ragnarok"}', 'ghcr.io/demo/steamcmd:debian', NULL, 'node_eu_central_1', 'bp_valheim', 'usr_demo_admin', LOCALTIMESTAMP(3) - interval '20 days', LOCALTIMESTAMP(3) - interval '4 days', 'alloc_demo_10_a'),
    ('srv_demo_11', 'demo11', 'Terraria Casual', 'Journey mode with friends', 'stellar-srv_demo_11', 'RUNNING', 'STARTING', false, 1536, 4096, 75.5, NULL, 0, false, 1, 1, NULL, '{"MAX_PLAYERS": "8"}', 'ghcr.io/demo/yolks:debian', NULL, 'node_us_east_1', 'bp_terraria', 'usr_demo_owner_2', LOCALTIMESTAMP(3) - interval '60 days', LOCALTIMESTAMP(3) - interval '3 hours', 'alloc_demo_11_a'),
    ('srv_demo_12', 'demo12', 'Event Arena', 'Weekend PvP events', 'stellar-srv_demo_12', 'STARTING', 'STOPPED', false, 6144, 20480, 250, NULL, -1, false, 4, 2, NULL, '{"SERVER_JARFILE": "server.jar", "MINECRAFT_VERSION": "1.21.4"}', 'ghcr.io/demo/yolks:java_21', NULL, 'node_eu_central_1', 'bp_minecraft_java', 'usr_demo_admin', LOCALTIMESTAMP(3) - interval '7 days', LOCALTIMESTAMP(3) - interval '30 seconds', 'alloc_demo_12_a');

INSERT INTO allocations (id, ip, port, alias, assigned, "nodeId", "serverId", "createdAt", "updatedAt") VALUES
    ('alloc_demo_01_a', '203.0.113.10', 25565, 'smp.demo.stellarstack.invalid', true, 'node_us_east_1', 'srv_demo_01', LOCALTIMESTAMP(3) - interval '180 days', LOCALTIMESTAMP(3) - interval '180 days'),
    ('alloc_demo_01_b', '203.0.113.10', 25575, NULL, true, 'node_us_east_1', 'srv_demo_01', LOCALTIMESTAMP(3) - interval '170 days', LOCALTIMESTAMP(3) - interval '170 days'),
    ('alloc_demo_02_a', '203.0.113.10', 25566, NULL, true, 'node_us_east_1', 'srv_demo_02', LOCALTIMESTAMP(3) - interval '120 days', LOCALTIMESTAMP(3) - interval '120 days'),
    ('alloc_demo_03_a', '192.0.2.30', 2456, 'vikings.demo.stellarstack.invalid', true, 'node_eu_central_1', 'srv_demo_03', LOCALTIMESTAMP(3) - interval '100 days', LOCALTIMESTAMP(3) - interval '100 days'),
    ('alloc_demo_03_b', '192.0.2.30', 2457, NULL, true, 'node_eu_central_1', 'srv_demo_03', LOCALTIMESTAMP(3) - interval '100 days', LOCALTIMESTAMP(3) - interval '100 days'),
    ('alloc_demo_03_c', '192.0.2.30', 2458, NULL, true, 'node_eu_central_1', 'srv_demo_03', LOCALTIMESTAMP(3) - interval '100 days', LOCALTIMESTAMP(3) - interval '100 days'),
    ('alloc_demo_04_a', '198.51.100.20', 7777, NULL, true, 'node_us_east_2', 'srv_demo_04', LOCALTIMESTAMP(3) - interval '90 days', LOCALTIMESTAMP(3) - interval '90 days'),
    ('alloc_demo_05_a', '192.0.2.30', 25565, NULL, true, 'node_eu_central_1', 'srv_demo_05', LOCALTIMESTAMP(3) - interval '10 minutes', LOCALTIMESTAMP(3) - interval '10 minutes'),
    ('alloc_demo_06_a', '203.0.113.10', 25567, NULL, true, 'node_us_east_1', 'srv_demo_06', LOCALTIMESTAMP(3) - interval '300 days', LOCALTIMESTAMP(3) - interval '300 days'),
    ('alloc_demo_07_a', '198.51.100.20', 7778, NULL, true, 'node_us_east_2', 'srv_demo_07', LOCALTIMESTAMP(3) - interval '30 days', LOCALTIMESTAMP(3) - interval '30 days'),
    ('alloc_demo_07_b', '198.51.100.20', 7779, NULL, true, 'node_us_east_2', 'srv_demo_07', LOCALTIMESTAMP(3) - interval '30 days', LOCALTIMESTAMP(3) - interval '30 days'),
    ('alloc_demo_08_a', '192.0.2.30', 2466, NULL, true, 'node_eu_central_1', 'srv_demo_08', LOCALTIMESTAMP(3) - interval '45 days', LOCALTIMESTAMP(3) - interval '45 days'),
    ('alloc_demo_08_b', '192.0.2.30', 2467, NULL, true, 'node_eu_central_1', 'srv_demo_08', LOCALTIMESTAMP(3) - interval '45 days', LOCALTIMESTAMP(3) - interval '45 days'),
    ('alloc_demo_09_a', '203.0.113.11', 25565, 'sky.demo.stellarstack.invalid', true, 'node_us_east_1', 'srv_demo_09', LOCALTIMESTAMP(3) - interval '240 days', LOCALTIMESTAMP(3) - interval '240 days'),
    ('alloc_demo_09_b', '203.0.113.11', 25575, NULL, true, 'node_us_east_1', 'srv_demo_09', LOCALTIMESTAMP(3) - interval '240 days', LOCALTIMESTAMP(3) - interval '240 days'),
    ('alloc_demo_10_a', '192.0.2.31', 2456, NULL, true, 'node_eu_central_1', 'srv_demo_10', LOCALTIMESTAMP(3) - interval '20 days', LOCALTIMESTAMP(3) - interval '20 days'),
    ('alloc_demo_11_a', '203.0.113.11', 7777, NULL, true, 'node_us_east_1', 'srv_demo_11', LOCALTIMESTAMP(3) - interval '60 days', LOCALTIMESTAMP(3) - interval '60 days'),
    ('alloc_demo_12_a', '192.0.2.31', 25565, 'arena.demo.stellarstack.invalid', true, 'node_eu_central_1', 'srv_demo_12', LOCALTIMESTAMP(3) - interval '7 days', LOCALTIMESTAMP(3) - interval '7 days'),
    ('alloc_demo_12_b', '192.0.2.31', 25566, NULL, true, 'node_eu_central_1', 'srv_demo_12', LOCALTIMESTAMP(3) - interval '7 days', LOCALTIMESTAMP(3) - interval '7 days'),
    ('alloc_demo_free_1', '203.0.113.10', 25568, NULL, false, 'node_us_east_1', NULL, LOCALTIMESTAMP(3) - interval '380 days', LOCALTIMESTAMP(3) - interval '380 days'),
    ('alloc_demo_free_2', '192.0.2.30', 25566, NULL, false, 'node_eu_central_1', NULL, LOCALTIMESTAMP(3) - interval '290 days', LOCALTIMESTAMP(3) - interval '290 days');

INSERT INTO server_members (id, "serverId", "userId", permissions, "createdAt", "updatedAt") VALUES
    ('member_demo_01_subuser', 'srv_demo_01', 'usr_demo_subuser', '{"console.read","control.start"}', LOCALTIMESTAMP(3) - interval '60 days', LOCALTIMESTAMP(3) - interval '30 days'),
    ('member_demo_02_viewer', 'srv_demo_02', 'usr_demo_viewer', '{"control.start","file.read"}', LOCALTIMESTAMP(3) - interval '40 days', LOCALTIMESTAMP(3) - interval '15 days');

COMMIT;
