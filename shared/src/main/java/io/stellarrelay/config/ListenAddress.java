package io.stellarrelay.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;

/**
 * The address a service listens on, checked before anything else starts, so that a port already in use
 * (or a host that is not an address of this machine) ends start-up with one line naming the variable
 * rather than with a stack trace after half the service is up.
 */
public final class ListenAddress {
    private ListenAddress() {}

    /**
     * Binds {@code host:port} once and lets it go; {@code port} 0 (any free port) always works.
     *
     * @param variable the variable that chose the port, named in the message
     * @throws StartupException when the address cannot be bound
     */
    public static void requireAvailable(String variable, String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            // As the real listener does: a port held only by connections in TIME_WAIT is free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new StartupException(variable + "=" + port + ": cannot listen on " + host + ":" + port + ": "
                    + reason(e));
        }
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.toLowerCase(Locale.ROOT);
    }
}
