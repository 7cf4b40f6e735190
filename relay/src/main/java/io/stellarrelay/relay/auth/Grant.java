package io.stellarrelay.relay.auth;

/**
 * Why a user may watch a server, and whether that includes its console; remembered per subscription so
 * a revocation can say what changed.
 */
public record Grant(Basis basis, boolean console) {

    public enum Basis { ADMIN, OWNER, MEMBER }

    /** Admins and owners always read the console; members only with one of {@link AccessPolicy#CONSOLE_PERMISSIONS}. */
    public static Grant of(Basis basis, boolean memberMayReadConsole) {
        return new Grant(basis, basis != Basis.MEMBER || memberMayReadConsole);
    }
}
