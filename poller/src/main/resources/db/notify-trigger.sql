-- stellar-relay: instant syncs without waiting for the next poll (POLLER_LISTEN=true).
--
-- Install once on the panel database, as the owner of its tables; running it again is harmless:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -1 -f notify-trigger.sql
--
-- After a change to a server row, or to an allocation of a server, that shows in the server:sync
-- payload, the database sends NOTIFY on the channel named in the trigger definitions at the end
-- (stellar_server_changed, the default of POLLER_LISTEN_CHANNEL: change all four places if you change
-- it) with the server id as payload. The notification leaves with the commit, and not at all when the
-- transaction rolls back; several identical ones in one transaction arrive as one.
--
-- Writes that change nothing the sync shows (config, variables, description, ...) notify nothing.
-- Changes to nodes, locations and blueprints do not notify: they reach clients with the next tick.
--
-- To remove: DROP FUNCTION stellar_server_changed() CASCADE; DROP FUNCTION stellar_allocation_changed() CASCADE;

CREATE OR REPLACE FUNCTION stellar_server_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify(TG_ARGV[0], NEW.id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify(TG_ARGV[0], OLD.id);
    ELSE
        PERFORM pg_notify(TG_ARGV[0], NEW.id);
        IF OLD.id <> NEW.id THEN
            PERFORM pg_notify(TG_ARGV[0], OLD.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION stellar_allocation_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Moving an allocation from one server to another changes both syncs.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD."serverId" IS NOT NULL THEN
            PERFORM pg_notify(TG_ARGV[0], OLD."serverId");
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW."serverId" IS NOT NULL THEN
            PERFORM pg_notify(TG_ARGV[0], NEW."serverId");
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS stellar_server_added_or_removed ON servers;
CREATE TRIGGER stellar_server_added_or_removed
    AFTER INSERT OR DELETE ON servers
    FOR EACH ROW EXECUTE FUNCTION stellar_server_changed('stellar_server_changed');

-- Exactly the servers columns the sync is built from.
DROP TRIGGER IF EXISTS stellar_server_updated ON servers;
CREATE TRIGGER stellar_server_updated
    AFTER UPDATE ON servers
    FOR EACH ROW
    WHEN ((OLD.id, OLD."shortId", OLD.name, OLD.status, OLD.suspended, OLD."containerId", OLD.memory,
           OLD.disk, OLD.cpu, OLD."cpuPinning", OLD.swap, OLD."oomKillDisable", OLD."backupLimit",
           OLD."nodeId", OLD."blueprintId", OLD."ownerId", OLD."createdAt", OLD."updatedAt",
           OLD."primaryAllocationId")
          IS DISTINCT FROM
          (NEW.id, NEW."shortId", NEW.name, NEW.status, NEW.suspended, NEW."containerId", NEW.memory,
           NEW.disk, NEW.cpu, NEW."cpuPinning", NEW.swap, NEW."oomKillDisable", NEW."backupLimit",
           NEW."nodeId", NEW."blueprintId", NEW."ownerId", NEW."createdAt", NEW."updatedAt",
           NEW."primaryAllocationId"))
    EXECUTE FUNCTION stellar_server_changed('stellar_server_changed');

DROP TRIGGER IF EXISTS stellar_allocation_added_or_removed ON allocations;
CREATE TRIGGER stellar_allocation_added_or_removed
    AFTER INSERT OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION stellar_allocation_changed('stellar_server_changed');

-- Exactly the allocations columns the sync is built from.
DROP TRIGGER IF EXISTS stellar_allocation_updated ON allocations;
CREATE TRIGGER stellar_allocation_updated
    AFTER UPDATE ON allocations
    FOR EACH ROW
    WHEN ((OLD.id, OLD.ip, OLD.port, OLD."serverId") IS DISTINCT FROM (NEW.id, NEW.ip, NEW.port, NEW."serverId"))
    EXECUTE FUNCTION stellar_allocation_changed('stellar_server_changed');
