/**
 * The WebSocket protocol of the StellarStack panel: message types in both directions, the
 * {@code server:sync} payload, the exact error strings and the one JSON codec that reads and writes them.
 */
package io.stellarrelay.protocol;
