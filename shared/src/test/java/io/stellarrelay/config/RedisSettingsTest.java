package io.stellarrelay.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("RedisSettings.parse")
class RedisSettingsTest {

    @Test
    @DisplayName("reads a bare redis://host with the default port, database 0, no credentials and no TLS")
    void readsBareHost() {
        assertEquals(new RedisSettings("cache", RedisSettings.DEFAULT_PORT, null, null, 0, false),
                RedisSettings.parse("redis://cache"));
    }

    @Test
    @DisplayName("reads the classic redis://:password@host:port form as a password without a user")
    void readsPasswordWithoutUser() {
        RedisSettings settings = RedisSettings.parse("redis://:pw@cache:6380");

        assertEquals("cache", settings.host());
        assertEquals(6380, settings.port());
        assertNull(settings.user());
        assertEquals("pw", settings.password().reveal());
    }

    @Test
    @DisplayName("reads a user, a password and a database number")
    void readsUserPasswordAndDatabase() {
        RedisSettings settings = RedisSettings.parse("redis://user:pw@cache/2");

        assertEquals("user", settings.user());
        assertEquals("pw", settings.password().reveal());
        assertEquals(2, settings.database());
        assertEquals(RedisSettings.DEFAULT_PORT, settings.port());
    }

    @Test
    @DisplayName("treats a lone slash as database 0")
    void readsTrailingSlashAsDatabaseZero() {
        assertEquals(0, RedisSettings.parse("redis://cache:6379/").database());
    }

    @Test
    @DisplayName("switches TLS on for rediss://")
    void redissSchemeMeansTls() {
        assertTrue(RedisSettings.parse("rediss://cache:6380").tls());
        assertFalse(RedisSettings.parse("redis://cache:6380").tls());
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("rejects a URL of another scheme")
    @ValueSource(strings = {"http://cache:6379", "postgresql://cache/0", "valkey://cache"})
    void rejectsWrongScheme(String url) {
        assertThrows(IllegalArgumentException.class, () -> RedisSettings.parse(url));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("rejects a path that is not a database number")
    @ValueSource(strings = {"redis://cache/abc", "redis://cache/-1", "redis://cache/1/2", "redis://cache/1.5"})
    void rejectsBadDatabase(String url) {
        assertThrows(IllegalArgumentException.class, () -> RedisSettings.parse(url));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("rejects text that is not a URL")
    @ValueSource(strings = {"", "cache:6379", "not a url"})
    void rejectsGarbage(String url) {
        assertThrows(IllegalArgumentException.class, () -> RedisSettings.parse(url));
    }

    @Test
    @DisplayName("never shows the password in toString")
    void toStringHidesPassword() {
        String shown = RedisSettings.parse("rediss://user:s3cr3t-pw@cache:6380/3").toString();

        assertFalse(shown.contains("s3cr3t-pw"), shown);
        assertEquals("RedisSettings[rediss://user@cache:6380/3, password=****]", shown);
    }

    @Test
    @DisplayName("accepts a host name with an underscore, as Docker Compose service names often have")
    void acceptsHostWithUnderscore() {
        assertEquals("redis_cache", RedisSettings.parse("redis://redis_cache:6379").host());
    }
}
