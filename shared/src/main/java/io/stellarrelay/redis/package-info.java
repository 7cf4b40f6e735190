/**
 * The Redis contract between relays, the poller and any other publisher: channel and key names, and
 * how connections to Redis are made.
 */
package io.stellarrelay.redis;
