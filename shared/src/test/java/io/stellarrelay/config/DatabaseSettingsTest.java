package io.stellarrelay.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("DatabaseSettings.parse")
class DatabaseSettingsTest {

    @Test
    @DisplayName("turns the panel's Prisma URL into a JDBC URL without credentials, mapping schema to currentSchema")
    void convertsPrismaUrl() {
        DatabaseSettings settings = DatabaseSettings.parse(
                "postgresql://user:p%40ss@db.example.com:5433/panel?schema=public&connection_limit=5");

        assertEquals("jdbc:postgresql://db.example.com:5433/panel?currentSchema=public", settings.jdbcUrl());
        assertEquals("user", settings.user());
        assertEquals("p@ss", settings.password().reveal());
    }

    @Test
    @DisplayName("keeps a plus sign in a password as a plus sign instead of turning it into a space")
    void keepsPlusInPassword() {
        assertEquals("a+b", DatabaseSettings.parse("postgresql://user:a+b@db/panel").password().reveal());
        assertEquals("a+b", DatabaseSettings.parse("postgresql://user:a%2Bb@db/panel").password().reveal());
    }

    @Test
    @DisplayName("accepts the postgres:// scheme as well")
    void acceptsPostgresScheme() {
        DatabaseSettings settings = DatabaseSettings.parse("postgres://stellar:pw@localhost:5432/panel");

        assertEquals("jdbc:postgresql://localhost:5432/panel", settings.jdbcUrl());
        assertEquals("stellar", settings.user());
        assertEquals("pw", settings.password().reveal());
    }

    @Test
    @DisplayName("keeps an IPv6 host in brackets")
    void keepsIpv6HostInBrackets() {
        assertEquals("jdbc:postgresql://[::1]:5432/panel",
                DatabaseSettings.parse("postgresql://u:p@[::1]:5432/panel").jdbcUrl());
        assertEquals("jdbc:postgresql://[2001:db8::7]/panel",
                DatabaseSettings.parse("postgresql://u:p@[2001:db8::7]/panel").jdbcUrl());
    }

    @Test
    @DisplayName("leaves the port out when the URL has none, and user and password null when it has no credentials")
    void handlesMissingPortAndCredentials() {
        DatabaseSettings settings = DatabaseSettings.parse("postgresql://db.internal/panel");

        assertEquals("jdbc:postgresql://db.internal/panel", settings.jdbcUrl());
        assertNull(settings.user());
        assertNull(settings.password());
    }

    @Test
    @DisplayName("maps the Prisma options that have a JDBC equivalent and drops the others")
    void mapsKnownPrismaOptionsOnly() {
        DatabaseSettings settings = DatabaseSettings.parse(
                "postgresql://u:p@db/panel?sslmode=require&pool_timeout=10&application_name=stellar%20relay");

        assertEquals("jdbc:postgresql://db/panel?sslmode=require&ApplicationName=stellar%20relay", settings.jdbcUrl());
    }

    @Test
    @DisplayName("passes a jdbc:postgresql URL through unchanged")
    void passesJdbcUrlThrough() {
        String url = "jdbc:postgresql://db:5432/panel?user=stellar&password=hunter2";
        DatabaseSettings settings = DatabaseSettings.parse(url);

        assertEquals(url, settings.jdbcUrl());
        assertNull(settings.user());
        assertNull(settings.password());
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("rejects a URL that names no database")
    @ValueSource(strings = {"postgresql://u:p@db:5432", "postgresql://u:p@db:5432/", "postgresql://db"})
    void rejectsUrlWithoutDatabase(String url) {
        assertThrows(IllegalArgumentException.class, () -> DatabaseSettings.parse(url));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("rejects a URL of another scheme")
    @ValueSource(strings = {"mysql://u:p@db:3306/panel", "redis://db:6379/0", "http://db/panel", "jdbc:mysql://db/panel"})
    void rejectsWrongScheme(String url) {
        assertThrows(IllegalArgumentException.class, () -> DatabaseSettings.parse(url));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("rejects text that is not a URL")
    @ValueSource(strings = {"", "garbage", "not a url", "postgresql:panel", "postgresql://:5432/panel", "://db/panel"})
    void rejectsGarbage(String url) {
        assertThrows(IllegalArgumentException.class, () -> DatabaseSettings.parse(url));
    }

    @Test
    @DisplayName("never shows the password in toString, from a Prisma URL or a JDBC URL")
    void toStringHidesPassword() {
        String fromPrisma = DatabaseSettings.parse("postgresql://user:s3cr3t-pw@db:5432/panel").toString();
        String fromJdbc = DatabaseSettings.parse("jdbc:postgresql://db/panel?user=u&password=s3cr3t-pw&ssl=true").toString();

        assertFalse(fromPrisma.contains("s3cr3t-pw"), fromPrisma);
        assertFalse(fromJdbc.contains("s3cr3t-pw"), fromJdbc);
        assertEquals("DatabaseSettings[jdbc:postgresql://db:5432/panel, user=user]", fromPrisma);
        assertEquals("DatabaseSettings[jdbc:postgresql://db/panel?user=u&password=****&ssl=true]", fromJdbc);
    }

    @Test
    @DisplayName("does not quote the password in the message of a rejected URL")
    void errorMessageHidesPassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatabaseSettings.parse("postgresql://user:s3cr3t-pw@db:notaport/panel"));

        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    @DisplayName("accepts a host name with an underscore, as Docker Compose service names often have")
    void acceptsHostWithUnderscore() {
        assertEquals("jdbc:postgresql://panel_db:5432/panel",
                DatabaseSettings.parse("postgresql://u:p@panel_db:5432/panel").jdbcUrl());
    }
}
