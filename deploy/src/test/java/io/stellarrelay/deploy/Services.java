package io.stellarrelay.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading one service of a (merged) compose model. */
final class Services {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|us|h|m|s)");

    private Services() {}

    /** "relay" or "poller" when the service builds that image, else null. */
    static String kind(Map<String, Object> service) {
        Path dockerfile = dockerfile(service);
        String relative = dockerfile == null ? null : Repository.relative(dockerfile);
        if ("docker/relay/Dockerfile".equals(relative)) {
            return "relay";
        }
        return "docker/poller/Dockerfile".equals(relative) ? "poller" : null;
    }

    static Path dockerfile(Map<String, Object> service) {
        if (!(service.get("build") instanceof Map<?, ?> build)) {
            return null;
        }
        Object dockerfile = build.get("dockerfile");
        return Path.of(String.valueOf(build.get("context"))).resolve(dockerfile == null ? "Dockerfile" : String.valueOf(dockerfile)).normalize();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> environment(Map<String, Object> service) {
        return (Map<String, Object>) service.getOrDefault("environment", Map.of());
    }

    /** The fixed IPv4 address of the service on the default network, or null. */
    static Object address(Map<String, Object> service) {
        if (service.get("networks") instanceof Map<?, ?> networks && networks.get("default") instanceof Map<?, ?> net) {
            return net.get("ipv4_address");
        }
        return null;
    }

    /** A compose duration such as {@code 15s} or {@code 1m30s}. */
    static Duration duration(String text) {
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                case "ms" -> Duration.ofMillis(n);
                default -> Duration.ofNanos(n * 1000);
            });
            end = m.end();
        }
        if (end == 0 || end != text.length()) {
            throw new IllegalArgumentException("not a compose duration: " + text);
        }
        return total;
    }
}
