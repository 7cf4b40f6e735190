/**
 * The WebSocket transport of the relay, on Jetty's connection layer and nothing above it: the upgrade
 * ({@link io.stellarrelay.relay.websocket.WebSocketUpgrade}), the RFC 6455 codec
 * ({@link io.stellarrelay.relay.websocket.FrameReader}, {@link io.stellarrelay.relay.websocket.Frames}),
 * the per-socket outbound queue ({@link io.stellarrelay.relay.websocket.Outbound}) and the connection that
 * ties them to one TCP socket ({@link io.stellarrelay.relay.websocket.SocketConnection}). It knows nothing
 * of the relay's protocol: messages go to a {@link io.stellarrelay.relay.websocket.SocketHandler}.
 */
package io.stellarrelay.relay.websocket;
