/**
 * Console output: read from each server's capped Redis stream while a socket on this relay reads that
 * console, cut to the per-server caps, batched into {@code server:console} frames, and the history a
 * socket gets when it opts in.
 */
package io.stellarrelay.relay.console;
