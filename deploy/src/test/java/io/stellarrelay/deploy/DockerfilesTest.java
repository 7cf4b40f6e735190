package io.stellarrelay.deploy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-service Dockerfiles: one build recipe in two copies, non-root images with a readiness check. */
class DockerfilesTest {
    private static final String BEGIN = "# --- build stages";
    private static final String END = "# --- end of the build stages";

    private static String buildStages(String dockerfile) {
        String text = Repository.read(dockerfile);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertTrue(begin >= 0 && end > begin, dockerfile + " marks its build stages with \"" + BEGIN + "\" and \"" + END + "\"");
        return text.substring(begin, end);
    }

    @Test
    @DisplayName("relay and poller Dockerfiles have the same build stages, so a fix to one reaches both")
    void buildStagesAreIdentical() {
        String relay = buildStages("docker/relay/Dockerfile");
        assertTrue(relay.contains("mvn -B -DskipTests -pl \"${MODULE}\" -am package"), relay);
        assertEquals(relay, buildStages("docker/poller/Dockerfile"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"relay", "poller"})
    @DisplayName("each image builds its own module, runs as an unprivileged user and checks readiness on its health port")
    void runtimeStage(String module) {
        String text = Repository.read("docker/" + module + "/Dockerfile");
        assertTrue(text.contains("\nARG MODULE=" + module + "\n"), "builds module " + module);
        assertTrue(text.contains("/app/stellar-" + module + ".jar\"]"), "runs stellar-" + module + ".jar");
        assertTrue(text.contains("\nUSER 10001:10001\n"), "unprivileged user");
        String port = module.equals("relay") ? "PORT" : "HEALTH_PORT";
        assertTrue(text.contains("CMD healthcheck \"$" + port + "\" /health/ready"), "HEALTHCHECK on " + port);
    }
}
