package io.stellarrelay.redis;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * Plain TCP sockets for Jedis, taken from a {@link SocketChannel} instead of {@code new Socket()}: the socket
 * options and the timed connect are those of Jedis' own factory, but the socket is back in blocking mode
 * once connected, so a read without a timeout is one {@code read(2)} that sleeps in the kernel until bytes
 * arrive. A {@code java.net.Socket} stays non-blocking for good after its first timed operation, and every
 * read that finds nothing then costs a failed read, a {@code poll(2)} and the read again: for a
 * subscriber that reads each message as it comes, two system calls out of three.
 */
final class ChannelSocketFactory implements JedisSocketFactory {
    private final HostAndPort node;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    /** @param readTimeoutMillis the socket's read timeout after connecting; 0 reads without one */
    ChannelSocketFactory(HostAndPort node, int connectTimeoutMillis, int readTimeoutMillis) {
        this.node = node;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    @Override
    public Socket createSocket() throws JedisConnectionException {
        IOException last = null;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(node.getHost());
        } catch (IOException e) {
            throw new JedisConnectionException("Failed to connect to " + node + ": " + e.getMessage(), e);
        }
        for (InetAddress address : addresses) { // every address of the name in turn, as Jedis does
            Socket socket = null;
            try {
                socket = SocketChannel.open().socket();
                socket.setReuseAddress(true);
                socket.setKeepAlive(true); // finds a peer that is gone (sooner with the system's keepalive settings)
                socket.setTcpNoDelay(true); // commands are written whole; Nagle would only delay them
                socket.setSoLinger(true, 0); // closing never waits for unsent commands
                socket.connect(new InetSocketAddress(address, node.getPort()), connectTimeoutMillis);
                socket.setSoTimeout(readTimeoutMillis);
                return socket;
            } catch (IOException e) {
                last = e;
                closeQuietly(socket);
            }
        }
        throw new JedisConnectionException("Failed to connect to " + node + ": "
                + (last == null ? "no address" : last.getMessage()), last);
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // it never connected; nothing is lost
            }
        }
    }

    @Override
    public String toString() {
        return "ChannelSocketFactory[" + node + "]";
    }
}
