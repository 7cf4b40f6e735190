package io.stellarrelay.relay.hostile;

/** What came back. */
sealed interface Outcome {
    record Text(String json) implements Outcome {}

    record Pong(byte[] payload) implements Outcome {}

    record Closed(int code, String reason) implements Outcome {}

    record Eof() implements Outcome {}

    record Silent() implements Outcome {}

    record Broken(String error) implements Outcome {}

    record OtherFrame(String description) implements Outcome {}
}
