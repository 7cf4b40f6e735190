package io.stellarrelay.relay.websocket;

/**
 * What a socket's messages go to: the application side of one connection. Calls for one socket never
 * overlap and come in the order of the frames; {@link #onText} runs on a thread that may block (it is
 * the only one that does: the socket reads nothing more until it returns).
 */
public interface SocketHandler {
    /** The upgrade is complete and {@code socket} can be written to. */
    void onOpen(Socket socket);

    /** A complete text message, valid UTF-8. */
    void onText(byte[] utf8);

    /** A complete binary message. */
    void onBinary();

    /** More is queued for the socket than its limit: the peer does not read. Called once. */
    void onOverflow();

    /**
     * The socket is gone; called once, last. {@code code} says how it ended: the code the relay closed
     * with when it closed first, else the client's close code, or 1006 when no close frame came.
     */
    void onClosed(int code);
}
