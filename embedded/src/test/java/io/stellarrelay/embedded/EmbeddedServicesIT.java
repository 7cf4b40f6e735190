package io.stellarrelay.embedded;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedServicesIT {

    @Test
    @DisplayName("embedded PostgreSQL and Redis answer, and stopping them leaves no process, port or directory")
    void startsAnswersAndCleansUp() throws Exception {
        Path root;
        int pgPort;
        int redisPort;
        try (EmbeddedServices services = EmbeddedServices.start("stellar-embedded-test-")) {
            root = services.workspace().root();
            pgPort = services.postgres().port();
            redisPort = services.redis().port();
            services.postgres().executeAsAdmin("CREATE DATABASE probe");
            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + pgPort + "/probe", "postgres", "");
                 ResultSet rs = c.createStatement().executeQuery("SELECT 40 + 2")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
            try (Socket socket = new Socket("127.0.0.1", redisPort)) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("+PONG", in.readLine());
            }
            assertTrue(Files.isDirectory(root));
        }
        assertFalse(Files.exists(root), "the workspace is deleted");
        assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", pgPort).close());
        assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", redisPort).close());
    }
}
