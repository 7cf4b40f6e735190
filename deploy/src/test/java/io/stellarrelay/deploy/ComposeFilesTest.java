package io.stellarrelay.deploy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compose files are valid Compose files, as merged by compose, and agree with .env.example, the
 * configuration tables of docs/configuration.md, the Dockerfiles and each other. Values come from .env.example, which
 * is what `cp .env.example .env` gives an operator.
 */
class ComposeFilesTest {
    private static final List<String> STACK = List.of("docker-compose.yml");
    private static final List<String> REGIONS = List.of("docker-compose.yml", "docker-compose.regions.yml");
    /** Variables compose reads itself; the files never reference them. */
    private static final Set<String> COMPOSE_OWN = Set.of("COMPOSE_PROJECT_NAME");
    private static final Map<String, String> ENV = EnvFile.parse(Repository.read(".env.example"));

    private static ComposeModel model() {
        return new ComposeModel(ENV);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"docker-compose.yml", "docker-compose.yml,docker-compose.regions.yml"})
    @DisplayName("the stack, merged as compose merges its files, follows the Compose Specification")
    void mergedStackFollowsTheSpecification(String files) {
        Map<String, Object> merged = model().merge(List.of(files.split(",")));
        assertTrue(ComposeModel.services(merged).size() >= 5, "services found: " + ComposeModel.services(merged).keySet());
        assertEquals(List.of(), ComposeSchema.violations(merged));
    }

    @Test
    @DisplayName("each compose file on its own, extended ones included, follows the Compose Specification")
    void everyFileFollowsTheSpecification() {
        ComposeModel model = model();
        model.merge(REGIONS);
        assertTrue(model.files.size() >= 3, "files read: " + model.files);
        Map<String, List<String>> violations = new LinkedHashMap<>();
        for (Path file : model.files) {
            List<String> found = ComposeSchema.violations(model().load(file));
            if (!found.isEmpty()) {
                violations.put(Repository.relative(file), found);
            }
        }
        assertEquals(Map.of(), violations);
    }

    @Test
    @DisplayName("the schema rejects what docker-compose 1.29 rejects: a top-level name and a replica count that is no number")
    void theSchemaCatchesMistakes() {
        Map<String, Object> merged = model().merge(STACK);
        merged.put("name", "stellar-relay");
        ComposeModel.services(merged).get("relay").put("deploy", Map.of("replicas", "two"));
        List<String> violations = ComposeSchema.violations(merged);
        assertTrue(violations.stream().anyMatch(v -> v.contains("name")), "top-level name: " + violations);
        assertTrue(violations.stream().anyMatch(v -> v.contains("replicas")), "replicas: " + violations);
    }

    @Test
    @DisplayName("every repository path a compose file refers to exists: bind mounts, build contexts, Dockerfiles, extended files")
    void referencedPathsExist() {
        ComposeModel model = model();
        model.merge(REGIONS);
        Set<String> missing = new TreeSet<>();
        for (Path path : model.referencedPaths) {
            String relative = Repository.relative(path);
            if (relative == null) {
                continue; // outside the repository (an operator's own mount): not ours to check
            }
            if (!Files.exists(path)) {
                missing.add(relative);
            }
        }
        assertTrue(model.referencedPaths.size() >= 8, "paths found: " + model.referencedPaths);
        assertEquals(Set.of(), missing, "paths used by the compose files but missing from the repository");
    }

    @Test
    @DisplayName("scaling the poller service with POLLER_REPLICAS tells every poller that many shares")
    void pollerReplicasAreItsShares() {
        Map<String, String> env = new LinkedHashMap<>(ENV);
        env.put("POLLER_REPLICAS", "3");
        Map<String, Object> poller = ComposeModel.services(new ComposeModel(env).merge(STACK)).get("poller");
        @SuppressWarnings("unchecked")
        Map<String, Object> deploy = (Map<String, Object>) poller.get("deploy");
        assertEquals("3", String.valueOf(deploy.get("replicas")));
        assertEquals("3", String.valueOf(Services.environment(poller).get("POLLER_REPLICAS")));
    }

    @Test
    @DisplayName("every variable of the compose files is in .env.example, with the default the files fall back to")
    void everyVariableIsDocumentedWithItsDefault() {
        ComposeModel model = model();
        model.merge(REGIONS);
        Map<String, Set<String>> defaults = new LinkedHashMap<>();
        for (Interpolation.Use use : model.uses) {
            Set<String> seen = defaults.computeIfAbsent(use.name(), n -> new LinkedHashSet<>());
            if (use.fallback() != null) {
                seen.add(use.fallback());
            }
        }
        List<String> problems = new ArrayList<>();
        defaults.forEach((name, fallbacks) -> {
            if (!ENV.containsKey(name)) {
                problems.add(name + " is not in .env.example");
            } else if (fallbacks.size() > 1) {
                problems.add(name + " has different defaults in the compose files: " + fallbacks);
            } else if (fallbacks.size() == 1 && !fallbacks.contains(ENV.get(name))) {
                problems.add(name + " defaults to " + fallbacks + " in the compose files but to \"" + ENV.get(name) + "\" in .env.example");
            }
        });
        for (String name : ENV.keySet()) {
            if (!defaults.containsKey(name) && !COMPOSE_OWN.contains(name)) {
                problems.add(name + " is in .env.example but no compose file uses it");
            }
        }
        assertTrue(defaults.size() > 15, "variables found: " + defaults.keySet());
        assertEquals(List.of(), problems);
    }

    @Test
    @DisplayName("every variable compose sets for a relay or poller is one of its configuration variables in docs/configuration.md")
    void serviceVariablesAreConfigurationVariables() {
        Map<String, DocumentedConfiguration.Variable> documented = DocumentedConfiguration.parse(Repository.read("docs/configuration.md"));
        Map<String, Object> merged = model().merge(REGIONS);
        List<String> unknown = new ArrayList<>();
        Set<String> kindsSeen = new TreeSet<>();
        ComposeModel.services(merged).forEach((name, service) -> {
            String kind = Services.kind(service);
            if (kind == null) {
                return;
            }
            kindsSeen.add(kind);
            for (String variable : Services.environment(service).keySet()) {
                DocumentedConfiguration.Variable v = documented.get(variable);
                if (v == null || !v.usableBy(kind)) {
                    unknown.add(name + " (" + kind + "): " + variable);
                }
            }
        });
        assertEquals(Set.of("poller", "relay"), kindsSeen);
        assertEquals(List.of(), unknown, "not a configuration variable of that service in docs/configuration.md");
    }

    @Test
    @DisplayName("compose waits longer than a relay's SHUTDOWN_TIMEOUT_MS before it kills the draining relay")
    void stopGracePeriodCoversTheDrain() {
        Map<String, Object> merged = model().merge(REGIONS);
        List<String> tooShort = new ArrayList<>();
        ComposeModel.services(merged).forEach((name, service) -> {
            if ("relay".equals(Services.kind(service))) {
                Duration drain = Duration.ofMillis(Long.parseLong(String.valueOf(Services.environment(service).get("SHUTDOWN_TIMEOUT_MS"))));
                Duration grace = Services.duration(String.valueOf(service.getOrDefault("stop_grace_period", "10s")));
                if (grace.compareTo(drain) <= 0) {
                    tooShort.add(name + ": stop_grace_period " + grace + " <= SHUTDOWN_TIMEOUT_MS " + drain);
                }
            }
        });
        assertEquals(List.of(), tooShort);
    }

    @Test
    @DisplayName("every service has a health check, in compose or in the image it builds")
    void everyServiceHasAHealthCheck() {
        Map<String, Object> merged = model().merge(REGIONS);
        List<String> without = new ArrayList<>();
        ComposeModel.services(merged).forEach((name, service) -> {
            boolean inCompose = service.get("healthcheck") instanceof Map<?, ?> h && !Boolean.TRUE.equals(h.get("disable"));
            Path dockerfile = Services.dockerfile(service);
            boolean inImage = dockerfile != null && Repository.read(Repository.relative(dockerfile)).contains("\nHEALTHCHECK ");
            if (!inCompose && !inImage) {
                without.add(name);
            }
        });
        assertEquals(List.of(), without);
    }

    @Test
    @DisplayName("each load balancer fronts a relay group that trusts exactly that load balancer's address")
    void loadBalancersAndRelaysAgree() {
        Map<String, Map<String, Object>> services = ComposeModel.services(model().merge(REGIONS));
        List<String> problems = new ArrayList<>();
        int balancers = 0;
        for (Map.Entry<String, Map<String, Object>> e : services.entrySet()) {
            Object group = Services.environment(e.getValue()).get("RELAY_SERVICE");
            if (group == null) {
                continue;
            }
            balancers++;
            Map<String, Object> relay = services.get(String.valueOf(group));
            Object address = Services.address(e.getValue());
            if (relay == null || !"relay".equals(Services.kind(relay))) {
                problems.add(e.getKey() + " balances " + group + ", which is not a relay service");
            } else if (address == null || !Arrays.asList(String.valueOf(Services.environment(relay).get("TRUSTED_PROXIES")).split(","))
                    .contains(String.valueOf(address))) {
                problems.add(group + " does not trust " + e.getKey() + "'s fixed address " + address);
            }
        }
        assertEquals(2, balancers, "load balancers with the regions override");
        assertEquals(List.of(), problems);
    }
}
