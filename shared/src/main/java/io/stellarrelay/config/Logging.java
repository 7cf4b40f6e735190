package io.stellarrelay.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sets up slf4j-simple from {@code LOG_LEVEL} (trace, debug, info, warn, error; default info). Must run
 * before the first logger is created, so mains call it first thing.
 */
public final class Logging {
    public static final String LOG_LEVEL = "LOG_LEVEL";
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");
    static final java.util.regex.Pattern LEVEL_PATTERN =
            java.util.regex.Pattern.compile("(?i)trace|debug|info|warn|error");

    private Logging() {}

    public static void configure(Map<String, String> env) {
        String level = env.getOrDefault(LOG_LEVEL, "info").strip().toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            level = "info"; // the configuration check reports the bad value and stops the process
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        // Libraries are chatty at info; their warnings still show.
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
        // The demo's embedded PostgreSQL logs every line of initdb and of the server at info.
        System.setProperty("org.slf4j.simpleLogger.log.io.zonky", "warn");
    }
}
