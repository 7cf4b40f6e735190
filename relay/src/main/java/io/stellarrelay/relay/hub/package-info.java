/**
 * Local fan-out: who on this relay watches which server ({@link io.stellarrelay.relay.hub.Hub}), the
 * threads that write frames to sockets ({@link io.stellarrelay.relay.hub.DeliveryLanes}) and the latest
 * sync kept for new watchers. Nothing here talks to Redis; that is {@code broker} and {@code console}.
 */
package io.stellarrelay.relay.hub;
