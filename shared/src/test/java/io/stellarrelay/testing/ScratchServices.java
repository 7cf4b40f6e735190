package io.stellarrelay.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that gives a test a {@link TestDatabase} of its own (by default holding the
 * {@link PanelFixtures} rows) and a {@link TestRedis} namespace, and drops both afterwards.
 *
 * <p>Registered on a static field, the services live for the whole class: they exist before the class's
 * own {@code @BeforeAll} methods run and are dropped after its {@code @AfterAll} methods, so whatever
 * those start on them is stopped first. Registered on an instance field, every test gets fresh ones:
 * <pre>{@code
 * @RegisterExtension
 * static final ScratchServices services = ScratchServices.panel();
 * }</pre>
 */
public final class ScratchServices implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    private final boolean database;
    private final boolean fixtures;
    private final boolean redisWanted;
    private TestDatabase db;
    private TestRedis redis;
    private boolean perTest;

    private ScratchServices(boolean database, boolean fixtures, boolean redis) {
        this.database = database;
        this.fixtures = fixtures;
        this.redisWanted = redis;
    }

    /** A database with the panel fixtures loaded, and a Redis namespace. */
    public static ScratchServices panel() {
        return new ScratchServices(true, true, true);
    }

    /** A Redis namespace alone. */
    public static ScratchServices redisOnly() {
        return new ScratchServices(false, false, true);
    }

    /** The same, without a Redis namespace (for tests that run a Redis of their own). */
    public ScratchServices withoutRedis() {
        return new ScratchServices(database, fixtures, false);
    }

    /** The same, with the panel's tables left empty. */
    public ScratchServices withoutFixtures() {
        return new ScratchServices(database, false, redisWanted);
    }

    /** The database of the class or test; fails if this extension was built without one. */
    public TestDatabase db() {
        if (db == null) {
            throw new IllegalStateException(database ? "The database exists only while a test runs"
                    : "These services have no database");
        }
        return db;
    }

    /** The Redis namespace of the class or test; fails if this extension was built without one. */
    public TestRedis redis() {
        if (redis == null) {
            throw new IllegalStateException(redisWanted ? "The Redis namespace exists only while a test runs"
                    : "These services have no Redis namespace (withoutRedis)");
        }
        return redis;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        open();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // Called on a static registration too, whose services are already open.
        if (db == null && redis == null) {
            perTest = true;
            open();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void open() {
        try {
            if (database) {
                db = TestDatabase.create();
                if (fixtures) {
                    PanelFixtures.load(db);
                }
            }
            if (redisWanted) {
                redis = TestRedis.create();
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private void close() {
        try {
            if (redis != null) {
                redis.close();
            }
        } finally {
            redis = null;
            if (db != null) {
                db.close();
                db = null;
            }
        }
    }
}
