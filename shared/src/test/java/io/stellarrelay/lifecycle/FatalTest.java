package io.stellarrelay.lifecycle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FatalTest {

    @Test
    void outOfMemoryAndOtherVirtualMachineErrorsAreRethrown() {
        OutOfMemoryError oom = new OutOfMemoryError("heap");
        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> Fatal.rethrowIfFatal(oom)));
        assertThrows(InternalError.class, () -> Fatal.rethrowIfFatal(new InternalError()));
    }

    @Test
    void aStackOverflowAndOrdinaryFailuresAreLeftToTheCaller() {
        assertDoesNotThrow(() -> Fatal.rethrowIfFatal(new StackOverflowError()));
        assertDoesNotThrow(() -> Fatal.rethrowIfFatal(new IllegalStateException()));
        assertDoesNotThrow(() -> Fatal.rethrowIfFatal(new AssertionError()));
    }
}
