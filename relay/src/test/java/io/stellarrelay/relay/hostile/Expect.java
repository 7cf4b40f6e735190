package io.stellarrelay.relay.hostile;

import java.util.Set;

/** What a frame should get. */
sealed interface Expect {
    /** One text frame, exactly this. */
    record Reply(String expected) implements Expect {}

    /** A pong control frame echoing the ping's payload. */
    record PongFrame(byte[] payload) implements Expect {}

    /** A close frame with one of these codes (1005: a close frame without a code). */
    record Close(Set<Integer> codes) implements Expect {}

    /** Nothing at all (an unsolicited pong). */
    record Nothing() implements Expect {}

    /** The client half-closed mid-frame: the relay drops the connection (or closes it with a documented code). */
    record Dropped() implements Expect {}
}
