package io.stellarrelay.testing;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What {@link ScratchServices} gives a class and a test, and that it drops what it made. */
class ScratchServicesIT {
    @RegisterExtension
    static final ScratchServices perClass = ScratchServices.panel();

    @RegisterExtension
    final ScratchServices perTest = ScratchServices.panel().withoutFixtures().withoutRedis();

    private static final List<String> perTestUrls = new ArrayList<>();
    private static String classUrl;

    @BeforeAll
    static void servicesExistBeforeTheClassesOwnSetUp() throws SQLException {
        classUrl = perClass.db().url();
        assertEquals(5, users(perClass.db()), "the panel fixtures are loaded");
        perClass.redis().client().set(perClass.redis().prefix() + ":probe", "1");
    }

    @Test
    void aClassRegistrationKeepsItsServicesAcrossTests() {
        assertEquals(classUrl, perClass.db().url());
        assertEquals("1", perClass.redis().client().get(perClass.redis().prefix() + ":probe"));
    }

    @RepeatedTest(2)
    void anInstanceRegistrationGivesEveryTestFreshServices() throws SQLException {
        assertEquals(0, users(perTest.db()), "withoutFixtures leaves the tables empty");
        assertNotEquals(classUrl, perTest.db().url());
        perTestUrls.add(perTest.db().url());
        assertThrows(IllegalStateException.class, perTest::redis);
    }

    @AfterAll
    static void eachTestsDatabaseIsDroppedAfterIt() {
        assertEquals(2, perTestUrls.stream().distinct().count());
        for (String url : perTestUrls) {
            assertThrows(SQLException.class, () -> Databases.connect(DatabaseSettings.parse(url)).close(), url);
        }
    }

    private static int users(TestDatabase db) throws SQLException {
        try (Connection c = db.connection(); ResultSet rows = c.createStatement().executeQuery("SELECT count(*) FROM users")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
