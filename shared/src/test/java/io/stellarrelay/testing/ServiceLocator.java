package io.stellarrelay.testing;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Decides where the tests find PostgreSQL and Redis, in this order: an explicit environment variable,
 * then Testcontainers when a Docker engine answers, then embedded servers started from Maven Central
 * binaries, so that a machine with only a JDK and Maven runs the whole suite.
 */
public final class ServiceLocator {
    public static final String DATABASE_VARIABLE = "STELLAR_TEST_DATABASE_URL";
    public static final String REDIS_VARIABLE = "STELLAR_TEST_REDIS_URL";

    public enum Source { ENVIRONMENT, TESTCONTAINERS, EMBEDDED }

    /** Where a service comes from, and its URL when the environment gave one. */
    public record Choice(Source source, String url) {}

    private ServiceLocator() {}

    public static Choice choose(Map<String, String> env, String variable, BooleanSupplier docker) {
        String explicit = env.get(variable);
        if (explicit != null && !explicit.isBlank()) {
            return new Choice(Source.ENVIRONMENT, explicit.strip());
        }
        if (docker.getAsBoolean()) {
            return new Choice(Source.TESTCONTAINERS, null);
        }
        return new Choice(Source.EMBEDDED, null);
    }

    /** Asks Testcontainers whether a Docker engine answers; it says no quickly when there is none. */
    public static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
