package io.stellarrelay.demo;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Console output that looks like the demo's games: Minecraft, Valheim and Terraria servers chatting
 * while they run, and the daemon's own lines when a server starts, stops or crashes.
 */
final class ConsoleLines {
    /** Lines of the crash report a crashing server prints at once: more than a relay passes per second. */
    static final int CRASH_REPORT_LINES = 1500;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final DateTimeFormatter VALHEIM_CLOCK = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss");
    private static final String[] PLAYERS = {"Steve_42", "alex.builds", "NotchFan", "Creeper_Hugger", "viking_ole",
            "Moonlord", "Dryad_Dani", "pixelpaul"};
    private static final String[] CHAT = {"anyone up for the nether?", "who took my diamonds", "brb", "gg",
            "server feels smooth today", "meet at spawn"};
    private static final String[] ADVANCEMENTS = {"Stone Age", "Acquire Hardware", "We Need to Go Deeper",
            "Monster Hunter"};

    private final Random random;

    ConsoleLines(Random random) {
        this.random = random;
    }

    /** One or two lines a running server of this blueprint might print now. */
    List<String> chatter(String blueprintId) {
        List<String> lines = new ArrayList<>(2);
        int count = 1 + random.nextInt(2);
        for (int i = 0; i < count; i++) {
            lines.add(switch (game(blueprintId)) {
                case "valheim" -> valheim();
                case "terraria" -> terraria();
                default -> minecraft();
            });
        }
        return lines;
    }

    /** What the daemon and the game print when a server enters {@code status} (panel spelling). */
    List<String> transition(String blueprintId, String status) {
        String daemon = "[Stellar Daemon]: ";
        return switch (status) {
            case "STARTING" -> List.of(daemon + "Server marked as starting...",
                    daemon + "Pulling the container image...", daemon + "Finished pulling the container image",
                    startLine(blueprintId));
            case "RUNNING" -> List.of(doneLine(blueprintId), daemon + "Server marked as running");
            case "STOPPING" -> List.of(daemon + "Server marked as stopping...", info("Stopping the server"),
                    info("Saving worlds"));
            case "STOPPED" -> List.of(daemon + "Server marked as offline");
            case "ERROR" -> crashReport();
            default -> List.of(daemon + "Server marked as " + status.toLowerCase(Locale.ROOT));
        };
    }

    private List<String> crashReport() {
        List<String> lines = new ArrayList<>(CRASH_REPORT_LINES);
        lines.add("[Stellar Daemon]: Server process exited with code 1; printing its crash report");
        lines.add("java.lang.OutOfMemoryError: Java heap space");
        while (lines.size() < CRASH_REPORT_LINES) {
            lines.add("\tat net.example.game.world.ChunkTicker.tick(ChunkTicker.java:" + (100 + random.nextInt(900)) + ")");
        }
        return lines;
    }

    private static String game(String blueprintId) {
        if (blueprintId.contains("valheim")) return "valheim";
        if (blueprintId.contains("terraria")) return "terraria";
        return "minecraft";
    }

    private String startLine(String blueprintId) {
        return switch (game(blueprintId)) {
            case "valheim" -> valheimStamp() + "Valheim version: l-0.219.16 (network version 33)";
            case "terraria" -> "Terraria Server v1.4.4.9";
            default -> info("Starting minecraft server version 1.21.4");
        };
    }

    private String doneLine(String blueprintId) {
        return switch (game(blueprintId)) {
            case "valheim" -> valheimStamp() + "Game server connected";
            case "terraria" -> "Server started";
            default -> info(String.format(Locale.ROOT, "Done (%.3fs)! For help, type \"help\"", 2 + random.nextDouble() * 6));
        };
    }

    private String minecraft() {
        String player = pick(PLAYERS);
        return switch (random.nextInt(6)) {
            case 0 -> info(player + " joined the game");
            case 1 -> info(player + " left the game");
            case 2 -> info(player + " has made the advancement [" + pick(ADVANCEMENTS) + "]");
            case 3 -> info("<" + player + "> " + pick(CHAT));
            case 4 -> info("Saving the game (this may take a moment!)");
            default -> "[" + now(CLOCK) + " WARN]: Can't keep up! Is the server overloaded? Running "
                    + (2000 + random.nextInt(3000)) + "ms or " + (40 + random.nextInt(60)) + " ticks behind";
        };
    }

    private String valheim() {
        return valheimStamp() + switch (random.nextInt(3)) {
            case 0 -> "Got connection SteamID 7656119" + (8000000000L + random.nextInt(999_999_999));
            case 1 -> String.format(Locale.ROOT, "World saved ( %.1fms )", 100 + random.nextDouble() * 400);
            default -> "Connections " + random.nextInt(10) + " ZDOS:" + (120000 + random.nextInt(20000))
                    + "  sent:0 recv:" + random.nextInt(1000);
        };
    }

    private String terraria() {
        String player = pick(PLAYERS);
        return switch (random.nextInt(4)) {
            case 0 -> player + " has joined.";
            case 1 -> player + " has left.";
            case 2 -> "<" + player + "> " + pick(CHAT);
            default -> "Saving world data: 100%";
        };
    }

    private String info(String text) {
        return "[" + now(CLOCK) + " INFO]: " + text;
    }

    private String valheimStamp() {
        return now(VALHEIM_CLOCK) + ": ";
    }

    private static String now(DateTimeFormatter format) {
        return LocalDateTime.now(ZoneOffset.UTC).format(format);
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
