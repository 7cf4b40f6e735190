-- Tables of the StellarStack panel that stellar-relay reads (never writes).
-- The panel (Prisma) owns and migrates this schema; this copy exists so that tests, the demo and the
-- compose stack can build a database shaped like a real panel's. Column names are camelCase and must be
-- quoted. Timestamps are TIMESTAMP(3) WITHOUT TIME ZONE in UTC.
--
-- Deliberately NOT added here: indexes the panel's migration lacks (allocations."serverId",
-- server_members."userId", servers."updatedAt", allocations."updatedAt"). docs/performance.md says which ones a
-- large installation should add.

CREATE TYPE "NodeProtocol" AS ENUM ('HTTP', 'HTTPS', 'HTTPS_PROXY');
CREATE TYPE "ServerStatus" AS ENUM ('INSTALLING', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED',
                                    'SUSPENDED', 'MAINTENANCE', 'RESTORING', 'ERROR');

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL,
    "emailVerified"    BOOLEAN NOT NULL DEFAULT false,
    image              TEXT,
    role               TEXT NOT NULL DEFAULT 'user',
    banned             BOOLEAN NOT NULL DEFAULT false,
    "twoFactorEnabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt"        TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"        TIMESTAMP(3) NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    token       TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "userId"    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX sessions_token_key ON sessions (token);

CREATE TABLE locations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    country     TEXT,
    city        TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL
);

CREATE TABLE nodes (
    id                 TEXT PRIMARY KEY,
    "displayName"      TEXT NOT NULL,
    host               TEXT NOT NULL,
    port               INTEGER NOT NULL,
    protocol           "NodeProtocol" NOT NULL DEFAULT 'HTTP',
    "sftpPort"         INTEGER NOT NULL DEFAULT 2022,
    "memoryLimit"      BIGINT NOT NULL,
    "diskLimit"        BIGINT NOT NULL,
    "cpuLimit"         DOUBLE PRECISION NOT NULL,
    "uploadLimit"      BIGINT NOT NULL DEFAULT 104857600,
    token              TEXT NOT NULL,
    "tokenHash"        TEXT NOT NULL,
    "isOnline"         BOOLEAN NOT NULL DEFAULT false,
    "lastHeartbeat"    TIMESTAMP(3),
    "heartbeatLatency" INTEGER,
    "locationId"       TEXT NOT NULL REFERENCES locations (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "createdAt"        TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"        TIMESTAMP(3) NOT NULL
);
CREATE UNIQUE INDEX nodes_token_key ON nodes (token);

CREATE TABLE blueprints (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT,
    category       TEXT,
    author         TEXT,
    "metaVersion"  TEXT NOT NULL DEFAULT 'PTDL_v2',
    "updateUrl"    TEXT,
    "fileDenylist" TEXT[],
    "dockerImages" JSONB NOT NULL,
    startup        TEXT NOT NULL,
    config         JSONB NOT NULL,
    scripts        JSONB NOT NULL,
    variables      JSONB NOT NULL,
    features       TEXT[],
    "dockerConfig" JSONB NOT NULL,
    "isPublic"     BOOLEAN NOT NULL DEFAULT true,
    "createdAt"    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"    TIMESTAMP(3) NOT NULL
);

CREATE TABLE servers (
    id                      TEXT PRIMARY KEY,
    "shortId"               TEXT,
    name                    TEXT NOT NULL,
    description             TEXT,
    "containerId"           TEXT,
    status                  "ServerStatus" NOT NULL DEFAULT 'INSTALLING',
    "previousStatus"        "ServerStatus",
    suspended               BOOLEAN NOT NULL DEFAULT false,
    memory                  BIGINT NOT NULL,
    disk                    BIGINT NOT NULL,
    cpu                     DOUBLE PRECISION NOT NULL,
    "cpuPinning"            TEXT,
    swap                    BIGINT NOT NULL DEFAULT -1,
    "oomKillDisable"        BOOLEAN NOT NULL DEFAULT false,
    "backupLimit"           INTEGER NOT NULL DEFAULT 3,
    "allocationLimit"       INTEGER NOT NULL DEFAULT 1,
    config                  JSONB,
    variables               JSONB,
    "dockerImage"           TEXT,
    "customStartupCommands" TEXT,
    "nodeId"                TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "blueprintId"           TEXT NOT NULL REFERENCES blueprints (id) ON DELETE RESTRICT ON UPDATE CASCADE,
    "ownerId"               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "createdAt"             TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"             TIMESTAMP(3) NOT NULL,
    "primaryAllocationId"   TEXT,
    "parentServerId"        TEXT REFERENCES servers (id) ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE TABLE allocations (
    id          TEXT PRIMARY KEY,
    ip          TEXT NOT NULL,
    port        INTEGER NOT NULL,
    alias       TEXT,
    assigned    BOOLEAN NOT NULL DEFAULT false,
    "nodeId"    TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "serverId"  TEXT REFERENCES servers (id) ON DELETE SET NULL ON UPDATE CASCADE,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL
);
CREATE UNIQUE INDEX "allocations_nodeId_ip_port_key" ON allocations ("nodeId", ip, port);

CREATE TABLE server_members (
    id          TEXT PRIMARY KEY,
    "serverId"  TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    "userId"    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
    permissions TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL
);
CREATE UNIQUE INDEX "server_members_serverId_userId_key" ON server_members ("serverId", "userId");
