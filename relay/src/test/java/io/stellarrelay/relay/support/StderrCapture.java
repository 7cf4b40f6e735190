package io.stellarrelay.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Records what this JVM writes to {@code System.err} (where slf4j-simple logs, looking the stream up at
 * every write) while still passing it through, so a test can count log lines of in-process services.
 * Test classes run one after another in the failsafe JVM, so what is captured is this test's.
 */
public final class StderrCapture implements AutoCloseable {
    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private StderrCapture() {
        this.original = System.err;
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    public static StderrCapture start() {
        return new StderrCapture();
    }

    /** Every complete line captured so far. */
    public List<String> lines() {
        String text;
        synchronized (captured) {
            text = captured.toString(StandardCharsets.UTF_8);
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : Arrays.asList(text.substring(0, end).split("\n"));
    }

    /** Lines containing {@code fragment}. */
    public List<String> matching(String fragment) {
        return lines().stream().filter(line -> line.contains(fragment)).toList();
    }

    public long count(String fragment) {
        return matching(fragment).size();
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
