package io.stellarrelay.testing;

import io.stellarrelay.embedded.EmbeddedServices;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The PostgreSQL and Redis the tests use, found through {@link ServiceLocator}. Whatever has to be
 * started (containers, embedded servers) starts once per JVM and stops when the JVM exits; containers
 * are pinned to a tag.
 */
public final class TestServices {

    /**
     * @param adminDatabaseUrl a superuser URL (panel form) that may create databases
     */
    public record Endpoints(ServiceLocator.Source databaseSource, String adminDatabaseUrl,
                            ServiceLocator.Source redisSource, String redisUrl) {}

    private static Endpoints shared;
    private static EmbeddedServices embedded;
    private static PostgreSQLContainer postgresContainer;
    private static GenericContainer<?> redisContainer;
    private static Boolean docker;

    private TestServices() {}

    /** The services of this test run, from the real environment. */
    public static synchronized Endpoints shared() {
        if (shared == null) {
            shared = resolve(System.getenv(), TestServices::docker);
        }
        return shared;
    }

    /** Resolves services for a given environment; tests of the fallback order call this directly. */
    public static synchronized Endpoints resolve(Map<String, String> env, BooleanSupplier docker) {
        ServiceLocator.Choice db = ServiceLocator.choose(env, ServiceLocator.DATABASE_VARIABLE, docker);
        ServiceLocator.Choice redis = ServiceLocator.choose(env, ServiceLocator.REDIS_VARIABLE, docker);
        String dbUrl = switch (db.source()) {
            case ENVIRONMENT -> db.url();
            case TESTCONTAINERS -> postgresContainerUrl();
            case EMBEDDED -> embedded().postgres().url("postgres");
        };
        String redisUrl = switch (redis.source()) {
            case ENVIRONMENT -> redis.url();
            case TESTCONTAINERS -> redisContainerUrl();
            case EMBEDDED -> embedded().redis().url();
        };
        return new Endpoints(db.source(), dbUrl, redis.source(), redisUrl);
    }

    private static synchronized boolean docker() {
        if (docker == null) {
            docker = ServiceLocator.dockerAvailable();
        }
        return docker;
    }

    private static EmbeddedServices embedded() {
        if (embedded == null) {
            embedded = EmbeddedServices.start("stellar-test-services-");
            EmbeddedServices started = embedded;
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(started::close));
        }
        return embedded;
    }

    private static String postgresContainerUrl() {
        if (postgresContainer == null) {
            postgresContainer = new PostgreSQLContainer("postgres:17-alpine");
            postgresContainer.start();
        }
        PostgreSQLContainer pg = postgresContainer;
        return "postgresql://" + pg.getUsername() + ":" + pg.getPassword() + "@" + pg.getHost() + ":"
                + pg.getFirstMappedPort() + "/" + pg.getDatabaseName();
    }

    private static String redisContainerUrl() {
        if (redisContainer == null) {
            redisContainer = new GenericContainer<>("redis:7.4-alpine").withExposedPorts(6379);
            redisContainer.start();
        }
        return "redis://" + redisContainer.getHost() + ":" + redisContainer.getFirstMappedPort();
    }
}
