package io.stellarrelay.testing;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("ServiceLocator.choose")
class ServiceLocatorTest {

    private static final String VARIABLE = ServiceLocator.DATABASE_VARIABLE;

    /** A Docker probe that answers {@code available} and counts how often it was asked. */
    private static final class DockerProbe implements BooleanSupplier {
        private final boolean available;
        private final AtomicInteger calls = new AtomicInteger();

        DockerProbe(boolean available) {
            this.available = available;
        }

        @Override
        public boolean getAsBoolean() {
            calls.incrementAndGet();
            return available;
        }
    }

    @Test
    @DisplayName("uses the explicit environment variable even when Docker is available")
    void explicitVariableWins() {
        ServiceLocator.Choice choice = ServiceLocator.choose(
                Map.of(VARIABLE, "postgresql://ci@db.ci:5432/test"), VARIABLE, new DockerProbe(true));

        assertEquals(new ServiceLocator.Choice(ServiceLocator.Source.ENVIRONMENT, "postgresql://ci@db.ci:5432/test"), choice);
    }

    @Test
    @DisplayName("strips whitespace around the explicit URL")
    void stripsExplicitUrl() {
        ServiceLocator.Choice choice = ServiceLocator.choose(
                Map.of(VARIABLE, "  redis://ci:6379 \n"), VARIABLE, new DockerProbe(false));

        assertEquals("redis://ci:6379", choice.url());
    }

    @Test
    @DisplayName("does not even ask Docker when the environment variable is set")
    void doesNotProbeDockerWhenVariableIsSet() {
        DockerProbe docker = new DockerProbe(true);

        ServiceLocator.choose(Map.of(VARIABLE, "postgresql://ci@db/test"), VARIABLE, docker);

        assertEquals(0, docker.calls.get());
    }

    @Test
    @DisplayName("uses Testcontainers, with no URL yet, when the variable is unset and Docker answers")
    void usesTestcontainersWhenDockerIsAvailable() {
        DockerProbe docker = new DockerProbe(true);

        ServiceLocator.Choice choice = ServiceLocator.choose(Map.of(), VARIABLE, docker);

        assertEquals(new ServiceLocator.Choice(ServiceLocator.Source.TESTCONTAINERS, null), choice);
        assertEquals(1, docker.calls.get());
    }

    @Test
    @DisplayName("falls back to embedded servers when the variable is unset and Docker is absent")
    void fallsBackToEmbedded() {
        ServiceLocator.Choice choice = ServiceLocator.choose(
                Map.of(), ServiceLocator.REDIS_VARIABLE, new DockerProbe(false));

        assertEquals(new ServiceLocator.Choice(ServiceLocator.Source.EMBEDDED, null), choice);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("counts a blank environment variable as unset")
    @ValueSource(strings = {"", " ", "\t\n"})
    void blankVariableCountsAsUnset(String blank) {
        assertEquals(ServiceLocator.Source.TESTCONTAINERS,
                ServiceLocator.choose(Map.of(VARIABLE, blank), VARIABLE, new DockerProbe(true)).source());
        assertEquals(new ServiceLocator.Choice(ServiceLocator.Source.EMBEDDED, null),
                ServiceLocator.choose(Map.of(VARIABLE, blank), VARIABLE, new DockerProbe(false)));
    }

    @Test
    @DisplayName("looks only at the variable it is asked about")
    void readsOnlyTheGivenVariable() {
        ServiceLocator.Choice choice = ServiceLocator.choose(
                Map.of(ServiceLocator.REDIS_VARIABLE, "redis://ci:6379"), VARIABLE, new DockerProbe(false));

        assertEquals(new ServiceLocator.Choice(ServiceLocator.Source.EMBEDDED, null), choice);
    }
}
