package io.stellarrelay.lifecycle;

/**
 * The one rule for what a catch-all may not swallow. Reader loops and periodic tasks catch every
 * {@link Throwable} so that one bad message or one outage does not end them; they first pass what they
 * caught to {@link #rethrowIfFatal}.
 *
 * <p>Fatal is every {@link VirtualMachineError} except {@link StackOverflowError}: after an
 * {@link OutOfMemoryError} or an {@link InternalError} the JVM may be in no state to go on, and its
 * own policy (for example {@code -XX:+ExitOnOutOfMemoryError}) must get to decide. A stack overflow is
 * different: by the time it is caught the stack has unwound to the catching frame, nothing is left in
 * a broken state, and it was caused by the one piece of work that recursed too deep (a hostile or
 * malformed input, most likely). Failing that piece of work, like any other exception, keeps the loop
 * serving everything else; rethrowing it would end a reader thread or a schedule for good.
 */
public final class Fatal {
    private Fatal() {}

    /** Throws {@code e} when it is fatal by the rule above; returns otherwise. */
    public static void rethrowIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError error && !(e instanceof StackOverflowError)) {
            throw error;
        }
    }
}
