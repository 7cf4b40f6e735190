package io.stellarrelay.redis;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ChannelSocketFactory")
class ChannelSocketFactoryTest {

    @Test
    @DisplayName("connects with a timeout and leaves a channel's socket in blocking mode, with Jedis' socket options")
    void blockingAfterTimedConnect() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new ChannelSocketFactory(new HostAndPort("127.0.0.1", server.getLocalPort()), 2_000, 0)
                     .createSocket();
             Socket accepted = server.accept()) {
            assertTrue(socket.isConnected());
            assertNotNull(socket.getChannel(), "the socket of a channel, whose untimed reads are plain blocking reads");
            assertTrue(socket.getChannel().isBlocking(), "back in blocking mode after the timed connect");
            assertEquals(0, socket.getSoTimeout());
            assertTrue(socket.getTcpNoDelay());
            assertTrue(socket.getKeepAlive());
            assertEquals(0, socket.getSoLinger());

            accepted.getOutputStream().write('+');
            assertEquals('+', socket.getInputStream().read(), "reads through the channel");
        }
    }

    @Test
    @DisplayName("applies the read timeout it is given")
    void readTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new ChannelSocketFactory(new HostAndPort("127.0.0.1", server.getLocalPort()), 2_000, 1_500)
                     .createSocket()) {
            assertEquals(1_500, socket.getSoTimeout());
        }
    }

    @Test
    @DisplayName("a refused connection is a JedisConnectionException naming the address")
    void refused() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ChannelSocketFactory factory = new ChannelSocketFactory(new HostAndPort("127.0.0.1", port), 2_000, 0);
        JedisConnectionException e = assertThrows(JedisConnectionException.class, factory::createSocket);
        assertTrue(e.getMessage().startsWith("Failed to connect to 127.0.0.1:" + port), e.getMessage());
    }
}
