package io.stellarrelay.relay.auth;

/**
 * Sessions and access together, as the relay asks for them: every source of both (the database, the
 * batching and caching layers over it) answers both, so a layer is built over one source, never over
 * a session store from one place and an access policy from another.
 */
public interface Panel extends SessionStore, AccessPolicy {}
