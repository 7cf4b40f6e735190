package io.stellarrelay.testing;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL primary and a streaming replica of it ({@code pg_basebackup -R}), both on free
 * ports with their data in a fresh temporary directory, for tests of reads sent to a replica. Uses the
 * PostgreSQL 15 binaries installed on the machine ({@code STELLAR_TEST_PG_BIN} to point elsewhere); as
 * root, runs them as the {@code postgres} user, since PostgreSQL refuses to run as root. Replay on the
 * replica can be paused, so a test can show what replication lag does.
 */
public final class StreamingReplica implements AutoCloseable {
    private static final Path BIN = Path.of(System.getenv().getOrDefault("STELLAR_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"));

    private final Path root;
    private final int primaryPort;
    private final int replicaPort;
    private final List<Path> started = new ArrayList<>();

    private StreamingReplica(Path root, int primaryPort, int replicaPort) {
        this.root = root;
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
    }

    /** Whether the binaries this needs are on this machine. */
    public static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_basebackup"));
    }

    public static StreamingReplica start() {
        StreamingReplica pair;
        try {
            Path root = Files.createTempDirectory("stellar-replica-");
            pair = new StreamingReplica(root, freePort(), freePort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            pair.startBoth();
            return pair;
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    private void startBoth() {
        run(List.of("chown", "-R", "postgres", root.toString()), true);
        Path primary = root.resolve("primary");
        Path replica = root.resolve("replica");
        run(List.of(BIN.resolve("initdb").toString(), "-D", primary.toString(), "-U", "postgres", "--auth=trust",
                "--no-sync"), false);
        serve(primary, primaryPort);
        run(List.of(BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", Integer.toString(primaryPort),
                "-U", "postgres", "-D", replica.toString(), "-R", "-X", "stream", "--no-sync"), false);
        serve(replica, replicaPort);
        awaitStreaming();
    }

    /** Starts the cluster in {@code data} on {@code port}, loopback only, its socket inside the data directory. */
    private void serve(Path data, int port) {
        String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + data
                + " -c fsync=off -c max_connections=50";
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("server.log").toString(),
                "-o", options, "-w", "-t", "60", "start"), false);
        started.add(data);
    }

    private void awaitStreaming() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Connection c = Databases.connect(DatabaseSettings.parse(url(primaryPort, "postgres")));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
                if (rs.next() && rs.getInt(1) > 0) {
                    return;
                }
            } catch (SQLException e) {
                // not answering yet
            }
            pause();
        }
        throw new IllegalStateException("the replica did not start streaming within 30 s");
    }

    public String primaryUrl(String database) {
        return url(primaryPort, database);
    }

    public String replicaUrl(String database) {
        return url(replicaPort, database);
    }

    private static String url(int port, String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** A fresh database on the primary with the panel schema and the standard fixtures, replayed on the replica. */
    public TestDatabase createPanelDatabase() {
        TestDatabase db = TestDatabase.create(primaryUrl("postgres"));
        PanelFixtures.load(db);
        awaitReplayed();
        return db;
    }

    /** The replica's URL of {@code db}, a database made on the primary. */
    public String replicaUrlOf(TestDatabase db) {
        return replicaUrl(db.url().substring(db.url().lastIndexOf('/') + 1));
    }

    /** Stops applying WAL on the replica: it serves reads as of now, as a lagging replica does. */
    public void pauseReplay() {
        execute(replicaUrl("postgres"), "SELECT pg_wal_replay_pause()");
    }

    public void resumeReplay() {
        execute(replicaUrl("postgres"), "SELECT pg_wal_replay_resume()");
    }

    /** Waits until the replica has replayed everything the primary has written so far. */
    public void awaitReplayed() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String target;
        try (Connection c = Databases.connect(DatabaseSettings.parse(primaryUrl("postgres")));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        while (System.nanoTime() < deadline) {
            try (Connection c = Databases.connect(DatabaseSettings.parse(replicaUrl("postgres")));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")) {
                if (rs.next() && rs.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                // not answering yet
            }
            pause();
        }
        throw new IllegalStateException("the replica did not catch up within 30 s");
    }

    private static void execute(String url, String sql) {
        try (Connection c = Databases.connect(DatabaseSettings.parse(url)); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A short bounded wait between two checks of a condition. */
    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command (as {@code postgres} when this JVM is root, unless {@code asIs}); fails with its output. */
    private void run(List<String> command, boolean asIs) {
        List<String> full = new ArrayList<>();
        if (!asIs && "root".equals(System.getProperty("user.name"))) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            Path log = Files.createTempFile(root, "command-", ".log");
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", full) + " failed: " + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                run(List.of(BIN.resolve("pg_ctl").toString(), "-D", started.get(i).toString(), "-m", "immediate",
                        "-w", "stop"), false);
            } catch (RuntimeException e) {
                // keep stopping the others
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
