package io.stellarrelay.config;

/**
 * A service cannot start in this environment for a reason the operator must fix (a port in use); the
 * message is one line, printed as it is, and the process exits with status 2 like for a configuration error.
 */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }
}
