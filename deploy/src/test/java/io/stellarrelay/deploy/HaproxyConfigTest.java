package io.stellarrelay.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker/haproxy/haproxy.cfg checked by HAProxy itself ({@code haproxy -c}). Needs Debian's
 * {@code haproxy} (or HAPROXY_BIN); .ci/run installs it. Without it the test is skipped on a developer
 * machine and fails in CI, where a skip must never pass for a success.
 */
class HaproxyConfigTest {
    private static final String CONFIG = "docker/haproxy/haproxy.cfg";
    private static String haproxy;

    @BeforeAll
    static void locate() {
        haproxy = find();
        if (haproxy == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("haproxy is required in CI to check " + CONFIG + " (apt-get install haproxy)");
            }
            assumeTrue(false, "no haproxy on this machine: " + CONFIG + " not checked");
        }
    }

    private static String find() {
        String explicit = System.getenv("HAPROXY_BIN");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return explicit;
        }
        List<String> dirs = new java.util.ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin")); // not on every PATH
        for (String dir : dirs) {
            Path candidate = Path.of(dir, "haproxy");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private record Result(int exit, String output) {}

    private static Result check(Path config, Map<String, String> env) throws Exception {
        // Output goes to a file, so the 30-second bound holds even if haproxy never ends.
        Path log = Files.createTempFile("haproxy-check", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(haproxy, "-c", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "haproxy -c finished");
            } finally {
                p.destroyForcibly();
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    @DisplayName("haproxy -c accepts the configuration with the environment each compose load balancer gives it")
    void validForEveryLoadBalancer() throws Exception {
        Map<String, Map<String, Object>> services = ComposeModel.services(
                new ComposeModel(EnvFile.parse(Repository.read(".env.example")))
                        .merge(List.of("docker-compose.yml", "docker-compose.regions.yml")));
        Map<String, Result> results = new TreeMap<>();
        services.forEach((name, service) -> {
            Map<String, Object> env = Services.environment(service);
            if (env.containsKey("RELAY_SERVICE")) {
                Map<String, String> strings = new TreeMap<>();
                env.forEach((k, v) -> strings.put(k, String.valueOf(v)));
                try {
                    results.put(name, check(Repository.path(CONFIG), strings));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertEquals(List.of("lb", "lb-us"), List.copyOf(results.keySet()));
        results.forEach((name, r) -> assertEquals(0, r.exit(), name + ": " + r.output()));
    }

    @Test
    @DisplayName("haproxy -c rejects a configuration with a mistake, so the check above can fail")
    void rejectsAMistake(@TempDir Path dir) throws Exception {
        String text = Repository.read(CONFIG);
        assertTrue(text.contains("balance leastconn"));
        Path broken = dir.resolve("haproxy.cfg");
        Files.writeString(broken, text.replace("balance leastconn", "balance fewestconn"));
        Result r = check(broken, Map.of());
        assertNotEquals(0, r.exit(), r.output());
    }
}
