package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.support.RawWebSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.stellarrelay.relay.hostile.Rules.CODEC;
import static io.stellarrelay.relay.hostile.Rules.MAX_MESSAGE_BYTES;
import static io.stellarrelay.relay.hostile.Rules.MAX_TOKEN_LENGTH;
import static io.stellarrelay.relay.hostile.Rules.authError;
import static io.stellarrelay.relay.hostile.Rules.authExpect;
import static io.stellarrelay.relay.hostile.Rules.error;
import static io.stellarrelay.relay.hostile.Rules.reply;
import static io.stellarrelay.relay.hostile.Texts.describe;
import static io.stellarrelay.testing.PanelFixtures.OWNER;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hostile-input fuzzer on its own: replayable from a seed, covering every category, judging right. */
class GeneratorTest {

    private static List<Step> shots(long seed, int count) {
        Generator generator = new Generator(new Random(seed));
        List<Step> steps = new ArrayList<>();
        Persona[] personas = Persona.values();
        for (int i = 0; i < count; i++) {
            steps.addAll(generator.shot(personas[i % personas.length]));
        }
        return steps;
    }

    @Test
    @DisplayName("one seed gives the same messages and expectations every time, so a failing run can be replayed")
    void aSeedReplaysTheSameShots() {
        List<Step> first = shots(42, 500);
        List<Step> again = shots(42, 500);
        assertEquals(first.size(), again.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).category(), again.get(i).category());
            assertEquals(first.get(i).label(), again.get(i).label());
            // The bytes differ only in the masking keys, which come from the socket's own random source.
            assertEquals(first.get(i).wire().length, again.get(i).wire().length);
            assertEquals(first.get(i).frames(), again.get(i).frames());
            assertEquals(first.get(i).halfClose(), again.get(i).halfClose());
            assertEquals(describe(first.get(i).expect()), describe(again.get(i).expect()));
        }
    }

    @Test
    @DisplayName("a few thousand shots cover every category")
    void everyCategoryIsGenerated() {
        Set<Category> seen = EnumSet.noneOf(Category.class);
        shots(7, 3_000).forEach(step -> seen.add(step.category()));
        assertEquals(EnumSet.allOf(Category.class), seen);
    }

    @Test
    @DisplayName("a message over the size limit expects close 1009, whatever its content would get")
    void oversizedMessagesExpectMessageTooBig() {
        Msg small = new Msg(RawWebSocket.TEXT, new byte[MAX_MESSAGE_BYTES], reply("x"), "at the limit");
        Msg big = new Msg(RawWebSocket.TEXT, new byte[MAX_MESSAGE_BYTES + 1], reply("x"), "over the limit");
        assertEquals(reply("x"), small.expect());
        assertEquals(new Expect.Close(Set.of(CloseCode.MESSAGE_TOO_BIG.code())), big.expect());
    }

    @Test
    @DisplayName("auth frames expect success, an invalid session or already-authenticated by token and persona")
    void authExpectations() {
        assertEquals(reply(CODEC.encode(new ServerMessage.AuthSuccess(OWNER))), authExpect(Persona.ANONYMOUS, OWNER_TOKEN));
        assertEquals(reply(CODEC.encode(new ServerMessage.AuthSuccess(OWNER))), authExpect(Persona.OWNER, OWNER_TOKEN));
        assertEquals(reply(error(ErrorMessages.ALREADY_AUTHENTICATED)), authExpect(Persona.STRANGER, OWNER_TOKEN));
        assertEquals(reply(authError(ErrorMessages.INVALID_SESSION)), authExpect(Persona.OWNER, "a".repeat(MAX_TOKEN_LENGTH + 1)));
        assertEquals(reply(authError(ErrorMessages.INVALID_SESSION)), authExpect(Persona.ANONYMOUS, null));
        assertEquals(reply(authError(ErrorMessages.INVALID_SESSION)), authExpect(Persona.ANONYMOUS, "tok\u0000"));
    }
}
