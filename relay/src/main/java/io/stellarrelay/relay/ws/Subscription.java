package io.stellarrelay.relay.ws;

import io.stellarrelay.relay.auth.Grant;

/**
 * One server a socket watches: on what grounds, and whether it also receives the console (opted in and
 * allowed).
 */
record Subscription(Grant grant, boolean console) {}
