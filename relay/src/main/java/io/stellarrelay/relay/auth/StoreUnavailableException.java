package io.stellarrelay.relay.auth;

/** The panel database could not answer; the client should retry, its credentials may well be fine. */
public final class StoreUnavailableException extends Exception {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
