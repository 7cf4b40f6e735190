package io.stellarrelay.protocol;

/** A client frame that cannot be understood; the message is safe to send back to that client. */
public final class ProtocolException extends Exception {
    public ProtocolException(String clientMessage) {
        super(clientMessage, null, false, false);
    }
}
