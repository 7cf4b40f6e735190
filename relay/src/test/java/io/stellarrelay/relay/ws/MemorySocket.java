package io.stellarrelay.relay.ws;

import io.stellarrelay.relay.websocket.Frames;
import io.stellarrelay.relay.websocket.Socket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A socket in memory: keeps the text of every frame sent to it and the code it was closed with. */
final class MemorySocket implements Socket {
    final List<String> sent = new ArrayList<>();
    int closedWith = -1;
    int pings;

    @Override
    public void send(ByteBuffer frame) {
        sent.add(StandardCharsets.UTF_8.decode(Frames.payloadOf(frame)).toString());
    }

    @Override
    public void deliver(ByteBuffer frame) {
        send(frame.slice());
    }

    @Override
    public void ping() {
        pings++;
    }

    @Override
    public void close(int code, String reason) {
        if (closedWith < 0) {
            closedWith = code;
        }
    }

    @Override
    public void cutOff(int code, String reason) {
        close(code, reason);
    }

    @Override
    public void disconnect() {
        close(1006, "");
    }

    @Override
    public void expireClose(long nowNanos) {
    }

    @Override
    public long lastHeardNanos() {
        return System.nanoTime();
    }

    @Override
    public long bufferedBytes() {
        return 0;
    }
}
