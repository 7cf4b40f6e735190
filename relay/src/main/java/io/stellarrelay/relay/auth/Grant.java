package io.stellarrelay.relay.auth;

/** Why a user may watch a server; remembered per subscription so a revocation can say what changed. */
public enum Grant { ADMIN, OWNER, MEMBER }
