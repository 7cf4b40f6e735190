package io.stellarrelay.relay.hub;

import io.stellarrelay.relay.websocket.Frames;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A watcher that keeps a copy of every frame it is handed (the view is valid only during the call) and its text. */
public final class RecordingWatcher implements Watcher {
    public final List<ByteBuffer> frames = Collections.synchronizedList(new ArrayList<>());
    public final List<String> texts = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void deliver(ByteBuffer frame) {
        ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).put(frame).flip();
        frames.add(copy);
        ByteBuffer payload = Frames.payloadOf(copy);
        texts.add(StandardCharsets.UTF_8.decode(payload).toString());
    }

    public List<String> texts() {
        synchronized (texts) {
            return List.copyOf(texts);
        }
    }
}
