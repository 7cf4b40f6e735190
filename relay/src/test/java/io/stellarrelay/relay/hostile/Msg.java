package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.CloseCode;

import static io.stellarrelay.relay.hostile.Rules.MAX_MESSAGE_BYTES;
import static io.stellarrelay.relay.hostile.Rules.closeWith;

/**
 * One message's payload and expected answer, before it is cut into frames. Whatever its content, a
 * message over the limit gets close 1009 (Jetty enforces the limit before the relay sees the message).
 */
record Msg(int opcode, byte[] payload, Expect expect, String label) {
    Msg {
        if (payload.length > MAX_MESSAGE_BYTES) {
            expect = closeWith(CloseCode.MESSAGE_TOO_BIG.code());
        }
    }
}
