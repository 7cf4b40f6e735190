package io.stellarrelay.demo;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoStackIT {

    private static int status(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    @DisplayName("the demo stack starts twice in a row and each stop leaves no port, process or directory behind")
    void startsTwiceAndLeavesNothing() throws Exception {
        for (int run = 0; run < 2; run++) {
            Path workspace;
            int relayPort;
            int postgresPort;
            int redisPort;
            try (DemoStack stack = DemoStack.start(new DemoStack.Options("127.0.0.1", 0, Duration.ofMillis(500), null))) {
                workspace = stack.services().workspace().root();
                relayPort = stack.port();
                postgresPort = stack.services().postgres().port();
                redisPort = stack.services().redis().port();
                assertEquals(200, status(relayPort, "/"));
                assertEquals(200, status(relayPort, "/demo/users"));
                assertTrue(Files.isDirectory(workspace));
            }
            assertFalse(Files.exists(workspace), "workspace deleted");
            for (int port : new int[] {relayPort, postgresPort, redisPort}) {
                assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", port).close(),
                        "nothing listens on " + port + " any more");
            }
            String root = workspace.toString();
            assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(root)),
                    "no process runs from the workspace");
        }
    }
}
