package io.stellarrelay.poller;

import com.zaxxer.hikari.HikariDataSource;
import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The panel database of one poller test class: the fixtures, {@code bulkServers} more servers, and a
 * small pool the test wraps to count statements. Also the environment a poller of the test reads.
 */
final class PanelTestDatabase implements AutoCloseable {
    final TestDatabase db;
    final List<String> bulk;
    final HikariDataSource pool;

    private PanelTestDatabase(TestDatabase db, List<String> bulk, HikariDataSource pool) {
        this.db = db;
        this.bulk = bulk;
        this.pool = pool;
    }

    static PanelTestDatabase create(int bulkServers) {
        TestDatabase db = TestDatabase.create();
        PanelFixtures.load(db);
        List<String> bulk = PanelFixtures.addBulkServers(db, bulkServers);
        return new PanelTestDatabase(db, bulk, Databases.pool(DatabaseSettings.parse(db.url()), "poller-test", 2));
    }

    /** A poller's variables for this database and {@code redis}, plus {@code extra} name/value pairs. */
    Map<String, String> pollerEnvironment(TestRedis redis, String... extra) {
        Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", db.url(), "REDIS_URL", redis.url(),
                "REDIS_PREFIX", redis.prefix(), "HEALTH_PORT", "0"));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    @Override
    public void close() {
        pool.close();
        db.close();
    }
}
