package io.stellarrelay.testing;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Decides where the tests find PostgreSQL and Redis, in this order: an explicit environment variable,
 * then Testcontainers when a Docker engine answers, then the services of the local machine.
 */
public final class ServiceLocator {
    public static final String DATABASE_VARIABLE = "STELLAR_TEST_DATABASE_URL";
    public static final String REDIS_VARIABLE = "STELLAR_TEST_REDIS_URL";
    public static final String LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres";
    public static final String LOCAL_REDIS = "redis://127.0.0.1:6379";

    public enum Source { ENVIRONMENT, TESTCONTAINERS, LOCAL }

    /** Where a service comes from, and its URL when that is known without starting anything. */
    public record Choice(Source source, String url) {}

    private ServiceLocator() {}

    public static Choice choose(Map<String, String> env, String variable, String localUrl, BooleanSupplier docker) {
        String explicit = env.get(variable);
        if (explicit != null && !explicit.isBlank()) {
            return new Choice(Source.ENVIRONMENT, explicit.strip());
        }
        if (docker.getAsBoolean()) {
            return new Choice(Source.TESTCONTAINERS, null);
        }
        return new Choice(Source.LOCAL, localUrl);
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
