package io.stellarrelay.relay.websocket;

/** Decides, at the HTTP upgrade, whether a request becomes a socket and what handles it. */
public interface Admission {

    /** The parts of the upgrade request a decision may use. */
    interface Request {
        /** The address the TCP connection comes from. */
        String remoteAddress();

        /** A request header (case-insensitive name), or null; several values are joined with ", ". */
        String header(String name);
    }

    sealed interface Decision {}

    /** Upgrade; {@code handler} gets the socket's messages. */
    record Accept(SocketHandler handler) implements Decision {}

    /** Answer the upgrade with an HTTP error instead. */
    record Refuse(int status, String reason) implements Decision {}

    Decision admit(Request request);
}
