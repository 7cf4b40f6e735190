package io.stellarrelay.testing;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.util.function.BooleanSupplier;

/**
 * The PostgreSQL and Redis every test of this JVM shares, found once through {@link ServiceLocator}.
 * Containers, when used, start once per JVM and are pinned to a tag.
 */
public final class TestServices {
    private static volatile String adminDatabaseUrl;
    private static volatile String redisUrl;
    private static volatile Boolean docker;

    private TestServices() {}

    private static synchronized boolean docker() {
        if (docker == null) {
            docker = ServiceLocator.dockerAvailable();
        }
        return docker;
    }

    private static final BooleanSupplier DOCKER = TestServices::docker;

    /** A PostgreSQL URL (panel form) for a superuser that may create databases. */
    public static synchronized String adminDatabaseUrl() {
        if (adminDatabaseUrl == null) {
            ServiceLocator.Choice choice = ServiceLocator.choose(System.getenv(), ServiceLocator.DATABASE_VARIABLE,
                    ServiceLocator.LOCAL_DATABASE, DOCKER);
            adminDatabaseUrl = switch (choice.source()) {
                case ENVIRONMENT, LOCAL -> choice.url();
                case TESTCONTAINERS -> {
                    PostgreSQLContainer pg = new PostgreSQLContainer("postgres:17-alpine");
                    pg.start();
                    yield "postgresql://" + pg.getUsername() + ":" + pg.getPassword() + "@" + pg.getHost() + ":"
                            + pg.getFirstMappedPort() + "/" + pg.getDatabaseName();
                }
            };
        }
        return adminDatabaseUrl;
    }

    public static synchronized String redisUrl() {
        if (redisUrl == null) {
            ServiceLocator.Choice choice = ServiceLocator.choose(System.getenv(), ServiceLocator.REDIS_VARIABLE,
                    ServiceLocator.LOCAL_REDIS, DOCKER);
            redisUrl = switch (choice.source()) {
                case ENVIRONMENT, LOCAL -> choice.url();
                case TESTCONTAINERS -> {
                    GenericContainer<?> redis = new GenericContainer<>("redis:7.4-alpine").withExposedPorts(6379);
                    redis.start();
                    yield "redis://" + redis.getHost() + ":" + redis.getFirstMappedPort();
                }
            };
        }
        return redisUrl;
    }
}
