package io.stellarrelay.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compose files loaded and combined the way {@code docker compose -f a.yml -f b.yml config} does for the
 * features our files use: variables substituted, YAML anchors and merge keys expanded, {@code extends}
 * resolved (paths relative to the extended file), and later files merged over earlier ones. Relative
 * paths (build contexts, bind-mount sources) become absolute, as in compose's own output.
 *
 * <p>Merge rules, from the Compose Specification: mappings merge key by key; {@code command},
 * {@code entrypoint} and {@code healthcheck.test} are replaced; {@code volumes} merge by target path;
 * other sequences (ports, profiles, ...) are concatenated without duplicates.
 */
final class ComposeModel {
    private static final Set<String> REPLACED_SEQUENCES = Set.of("command", "entrypoint", "test");

    private final Map<String, String> env;
    /** Every variable reference met, in every file read (extended files included). */
    final List<Interpolation.Use> uses = new ArrayList<>();
    /** Every file read, extended files included. */
    final Set<Path> files = new LinkedHashSet<>();
    /** Every repository path a file refers to: Dockerfiles, build contexts, bind-mount sources, extended files. */
    final Set<Path> referencedPaths = new LinkedHashSet<>();

    ComposeModel(Map<String, String> env) {
        this.env = env;
    }

    /** The files merged in order, extends resolved, as one model. */
    Map<String, Object> merge(List<String> repositoryFiles) {
        Map<String, Object> merged = new LinkedHashMap<>();
        for (String file : repositoryFiles) {
            Map<String, Object> model = load(Repository.path(file));
            resolveExtends(model, Repository.path(file));
            mergeInto(merged, model, "");
        }
        return merged;
    }

    /** One file: substituted, parsed and with its paths made absolute; {@code extends} left as written. */
    Map<String, Object> load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        files.add(absolute);
        String text;
        try {
            text = Files.readString(absolute);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String substituted = Interpolation.apply(Repository.relative(absolute), text, env, uses);
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Map<String, Object> model = new Yaml(options).load(substituted);
        // A fresh copy: YAML aliases share one object, and merging must never change two services at once.
        model = copy(model);
        for (Map<String, Object> service : services(model).values()) {
            normalize(service, absolute.getParent());
        }
        return model;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(Map<String, Object> model) {
        Object services = model.getOrDefault("services", Map.of());
        return (Map<String, Map<String, Object>>) services;
    }

    @SuppressWarnings("unchecked")
    private void normalize(Map<String, Object> service, Path dir) {
        Object build = service.get("build");
        if (build instanceof String context) {
            build = new LinkedHashMap<>(Map.of("context", context));
            service.put("build", build);
        }
        if (build instanceof Map<?, ?> map) {
            Map<String, Object> b = (Map<String, Object>) map;
            Path context = dir.resolve((String) b.getOrDefault("context", ".")).normalize();
            b.put("context", context.toString());
            referencedPaths.add(context.resolve((String) b.getOrDefault("dockerfile", "Dockerfile")).normalize());
        }
        if (service.get("extends") instanceof Map<?, ?> map && map.get("file") instanceof String file) {
            Path resolved = dir.resolve(file).normalize();
            ((Map<String, Object>) map).put("file", resolved.toString());
            referencedPaths.add(resolved);
        }
        if (service.get("volumes") instanceof List<?> volumes) {
            List<Object> out = new ArrayList<>();
            for (Object volume : volumes) {
                out.add(normalizeVolume(volume, dir));
            }
            service.put("volumes", out);
        }
        if (service.get("environment") instanceof List<?> list) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Object entry : list) {
                String[] kv = String.valueOf(entry).split("=", 2);
                map.put(kv[0], kv.length == 2 ? kv[1] : null);
            }
            service.put("environment", map);
        }
    }

    @SuppressWarnings("unchecked")
    private Object normalizeVolume(Object volume, Path dir) {
        if (volume instanceof String spec) {
            int colon = spec.indexOf(':');
            String source = colon < 0 ? "" : spec.substring(0, colon);
            if (source.startsWith(".") || source.startsWith("/")) {
                Path absolute = dir.resolve(source).normalize();
                referencedPaths.add(absolute);
                return absolute + spec.substring(colon);
            }
        } else if (volume instanceof Map<?, ?> map && "bind".equals(map.get("type")) && map.get("source") instanceof String s) {
            Path absolute = dir.resolve(s).normalize();
            referencedPaths.add(absolute);
            ((Map<String, Object>) map).put("source", absolute.toString());
        }
        return volume;
    }

    @SuppressWarnings("unchecked")
    private void resolveExtends(Map<String, Object> model, Path file) {
        Map<String, Map<String, Object>> services = services(model);
        for (Map.Entry<String, Map<String, Object>> entry : services.entrySet()) {
            entry.setValue(resolveService(entry.getValue(), services, file, new LinkedHashSet<>()));
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> resolveService(Map<String, Object> service, Map<String, Map<String, Object>> sameFile,
                                               Path file, Set<String> seen) {
        Object extendsValue = service.remove("extends");
        if (extendsValue == null) {
            return service;
        }
        String name;
        Path baseFile = file;
        if (extendsValue instanceof String s) {
            name = s;
        } else {
            Map<String, Object> ext = (Map<String, Object>) extendsValue;
            name = (String) ext.get("service");
            if (ext.get("file") != null) {
                baseFile = Path.of((String) ext.get("file"));
            }
        }
        if (!seen.add(baseFile + "#" + name)) {
            throw new IllegalArgumentException("extends loops back to " + name + " in " + baseFile);
        }
        Map<String, Map<String, Object>> candidates = baseFile.equals(file) ? sameFile : services(load(baseFile));
        Map<String, Object> base = candidates.get(name);
        if (base == null) {
            throw new IllegalArgumentException(Repository.relative(file) + " extends " + name + ", which "
                    + Repository.relative(baseFile) + " does not define");
        }
        Map<String, Object> resolved = resolveService(copy(base), candidates, baseFile, seen);
        mergeInto(resolved, service, "");
        return resolved;
    }

    @SuppressWarnings("unchecked")
    private static void mergeInto(Map<String, Object> target, Map<String, Object> override, String path) {
        for (Map.Entry<String, Object> e : override.entrySet()) {
            String key = e.getKey();
            Object mine = target.get(key);
            Object theirs = e.getValue();
            if (mine instanceof Map<?, ?> m && theirs instanceof Map<?, ?> t) {
                mergeInto((Map<String, Object>) m, (Map<String, Object>) t, path + "/" + key);
            } else if (mine instanceof List<?> m && theirs instanceof List<?> t && !REPLACED_SEQUENCES.contains(key)) {
                target.put(key, key.equals("volumes") ? mergeVolumes(m, t) : union(m, t));
            } else {
                target.put(key, copy(theirs));
            }
        }
    }

    private static List<Object> union(List<?> a, List<?> b) {
        LinkedHashSet<Object> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    /** A later file's volume replaces an earlier one mounted at the same target. */
    private static List<Object> mergeVolumes(List<?> a, List<?> b) {
        Map<String, Object> byTarget = new LinkedHashMap<>();
        for (Object v : a) {
            byTarget.put(target(v), v);
        }
        for (Object v : b) {
            byTarget.put(target(v), v);
        }
        return new ArrayList<>(byTarget.values());
    }

    private static String target(Object volume) {
        if (volume instanceof Map<?, ?> map) {
            return String.valueOf(map.get("target"));
        }
        String[] parts = String.valueOf(volume).split(":");
        return parts.length > 1 ? parts[1] : parts[0];
    }

    @SuppressWarnings("unchecked")
    static <T> T copy(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
            return (T) out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(copy(v)));
            return (T) out;
        }
        return value;
    }
}
