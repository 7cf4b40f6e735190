/**
 * The relay's Redis side for server frames: the pub/sub connections (one per Redis node, a standalone
 * Redis being one node), the check of each message's first bytes, the watch set the poller reads, and
 * the repair of syncs lost while a connection was down. It follows the hub and feeds it.
 */
package io.stellarrelay.relay.broker;
