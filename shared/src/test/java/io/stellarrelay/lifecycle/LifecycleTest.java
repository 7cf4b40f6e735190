package io.stellarrelay.lifecycle;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LifecycleTest {
    private final List<String> events = new ArrayList<>();
    private final Lifecycle lifecycle = new Lifecycle();

    private void part(String name) {
        lifecycle.add(name, () -> events.add("start " + name), () -> events.add("stop " + name));
    }

    @Test
    void startsInOrderAndStopsInReverse() {
        lifecycle.resource("pool", () -> events.add("close pool"));
        part("reader");
        part("server");

        lifecycle.start();
        lifecycle.close();

        assertEquals(List.of("start reader", "start server", "stop server", "stop reader", "close pool"), events);
    }

    @Test
    void aFailedStartStopsWhatStartedAndPassesTheFailureOn() {
        lifecycle.resource("pool", () -> events.add("close pool"));
        part("reader");
        IllegalStateException portTaken = new IllegalStateException("port taken");
        lifecycle.add("server", () -> {
            throw portTaken;
        }, () -> events.add("stop server"));
        part("schedules");

        assertSame(portTaken, assertThrows(IllegalStateException.class, lifecycle::start));
        assertEquals(List.of("start reader", "stop reader", "close pool"), events);

        lifecycle.close();
        assertEquals(3, events.size(), "nothing is stopped twice");
    }

    @Test
    void aCheckedStartFailureIsWrappedWithThePartsName() {
        lifecycle.add("listener", () -> {
            throw new IOException("refused");
        }, () -> { });

        IllegalStateException e = assertThrows(IllegalStateException.class, lifecycle::start);
        assertEquals("Starting listener failed: refused", e.getMessage());
    }

    @Test
    void aStopThatFailsDoesNotKeepTheOthersRunning() {
        lifecycle.resource("pool", () -> events.add("close pool"));
        lifecycle.add("reader", () -> { }, () -> {
            throw new IOException("already gone");
        });
        part("server");
        lifecycle.start();

        lifecycle.close();

        assertEquals(List.of("start server", "stop server", "close pool"), events);
    }

    @Test
    void resourcesAreClosedWhenTheServiceNeverStarted() {
        lifecycle.resource("pool", () -> events.add("close pool"));
        part("server");

        lifecycle.close();

        assertEquals(List.of("close pool"), events);
    }

    @Test
    void partsCannotBeAddedOnceStarted() {
        lifecycle.start();
        assertThrows(IllegalStateException.class, () -> part("late"));
        assertThrows(IllegalStateException.class, lifecycle::start);
    }
}
