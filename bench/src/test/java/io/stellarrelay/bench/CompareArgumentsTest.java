package io.stellarrelay.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareArgumentsTest {
    @Test
    void scenarioFirstTargetsAnywhereTheRestGoesToEveryRun() {
        CompareArguments a = CompareArguments.parse(List.of("fanout", "--clients", "5000", "--targets", "relay,bun", "--rate", "max"));
        assertEquals("fanout", a.scenario());
        assertEquals(List.of(Target.RELAY, Target.BUN), a.targets());
        assertEquals(List.of("--clients", "5000", "--rate", "max"), a.scenarioArguments());
        assertEquals(List.of("--clients", "5000", "--rate", "max", "--target", "bun"), a.argumentsFor(Target.BUN));
    }

    @Test
    void defaultTargetsAreRelayBunNodeAndTheEqualsFormWorks() {
        assertEquals(List.of(Target.RELAY, Target.BUN, Target.NODE), CompareArguments.parse(List.of("storm")).targets());
        assertEquals(List.of(Target.NODE, Target.RELAY),
                CompareArguments.parse(List.of("connections", "--targets=node, relay")).targets());
    }

    @Test
    void badInputIsRefusedWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of())).getMessage()
                .contains("scenario first"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("--targets", "relay,bun")))
                .getMessage().contains("scenario first"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("fanout", "--targets", "relay")))
                .getMessage().contains("at least two"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("fanout", "--targets", "bun,relay,bun")))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("fanout", "--targets", "relay,deno")))
                .getMessage().contains("unknown target 'deno'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("fanout", "--target", "bun")))
                .getMessage().contains("--targets"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CompareArguments.parse(List.of("fanout", "--targets")))
                .getMessage().contains("needs a value"));
    }
}
