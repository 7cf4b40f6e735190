package io.stellarrelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code compare <scenario> --targets relay,bun,node [scenario options]}: the scenario once per target, one
 * after another in this invocation, with the same options and fixture shape; then a table of the
 * figures side by side with the first target's ratio to each other one (JSON and markdown).
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Runs a scenario once per target (relay, bun, node) in turn and writes the figures side by side with ratios.",
                "Usage: compare <fanout|connections|storm> [--targets relay,bun,node] [options of the scenario]",
                "The first target is the one the ratios are about (first / other)."})
final class CompareCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(arity = "1..*", paramLabel = "ARGS", description = "<scenario> [--targets T1,T2,...] [scenario options]")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        CompareArguments parsed;
        List<Scenario> runs = new ArrayList<>();
        try {
            parsed = CompareArguments.parse(args);
            if (!Comparison.supports(parsed.scenario())) {
                throw new IllegalArgumentException("compare has figures for " + Comparison.scenarios() + ", not '" + parsed.scenario() + "'");
            }
            // Every target's options are parsed before the first run starts, so a typo costs no run.
            for (Target t : parsed.targets()) {
                // A fresh command per run, outside BenchMain's tree (picocli parses subcommands only from their root).
                Class<?> type = new CommandLine(new BenchMain()).getSubcommands().get(parsed.scenario())
                        .getCommandSpec().userObject().getClass();
                CommandLine scenario = new CommandLine(type);
                scenario.parseArgs(parsed.argumentsFor(t).toArray(String[]::new));
                if (scenario.isUsageHelpRequested()) {
                    scenario.usage(System.out);
                    return 0;
                }
                runs.add(scenario.getCommand());
            }
        } catch (IllegalArgumentException | CommandLine.ParameterException e) {
            System.err.println("stellar-bench compare: " + e.getMessage());
            return 2;
        }
        Map<Target, Map<String, Object>> results = new LinkedHashMap<>();
        Map<String, Object> runsReport = new LinkedHashMap<>();
        boolean failed = false;
        for (Scenario run : runs) {
            Target target = run.common.target;
            Map<String, Object> entry = new LinkedHashMap<>();
            try {
                Map<String, Object> report = run.execute();
                results.put(target, castMap(report.get("results")));
                entry.put("runId", report.get("runId"));
                entry.put("startedAt", report.get("startedAt"));
                entry.put("loadAverageAtEnd", report.get("loadAverageAtEnd"));
                entry.put("summary", report.get("summary"));
                entry.put("files", report.get("files"));
            } catch (Exception e) {
                failed = true;
                System.err.println("stellar-bench compare: the " + target.wire() + " run failed: " + e);
                results.put(target, Map.of());
                entry.put("error", e.toString());
            }
            runsReport.put(target.wire(), entry);
        }
        Comparison comparison = Comparison.of(parsed.scenario(), results);
        write(runs.get(0).common.outDir().toAbsolutePath().normalize(), parsed, comparison, runsReport);
        return failed ? 1 : 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static void write(Path outDir, CompareArguments parsed, Comparison comparison, Map<String, Object> runs)
            throws java.io.IOException {
        Files.createDirectories(outDir);
        String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String stem = "compare-" + parsed.scenario() + "-" + stamp;
        String command = "java -jar stellar-bench.jar " + String.join(" ", BenchMain.arguments());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("loadAverageAtEnd", ProcStats.loadAverage());
        json.putAll(comparison.toJson());
        json.put("runs", runs);
        Path jsonFile = outDir.resolve(stem + ".json");
        JSON.writeValue(jsonFile.toFile(), json);
        String table = comparison.markdownTable();
        StringBuilder md = new StringBuilder("# compare " + parsed.scenario() + "\n\n`" + command + "`\n\n");
        md.append(table).append('\n');
        comparison.summary().forEach(l -> md.append("- ").append(l).append('\n'));
        md.append("- load average at the end of each run (other work on the machine): ");
        runs.forEach((target, entry) -> md.append(target).append(' ').append(((Map<?, ?>) entry).get("loadAverageAtEnd")).append("; "));
        md.append('\n');
        Path mdFile = outDir.resolve(stem + ".md");
        Files.writeString(mdFile, md);
        System.out.println();
        System.out.println("== compare " + parsed.scenario() + ": " + parsed.targets().stream().map(Target::wire).toList());
        System.out.print(table);
        comparison.summary().forEach(System.out::println);
        System.out.println("comparison: " + jsonFile);
        System.out.println("table:      " + mdFile);
    }
}
