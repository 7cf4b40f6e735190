/**
 * What keeps hostile or broken clients in check: which origins may use the session cookie, who the
 * client really is behind trusted proxies, and the per-connection, per-address and per-user limits.
 */
package io.stellarrelay.relay.guard;
