'use strict';
// Reference relay 2: Bun's native WebSocket server; each socket subscribes to a topic per server
// channel and one server.publish per Redis message reaches all of them (Bun builds the frame once).
// Redis and PostgreSQL through Bun's built-in clients. See bench/README.md "Reference relays".
const { config, Panel, Channels, Session, readiness, onStop } = require('./protocol');

const cfg = config();
const sql = new Bun.SQL(cfg.databaseUrl, { max: cfg.poolSize });
const panel = new Panel((text, params) => sql.unsafe(text, params));
const redis = new Bun.RedisClient(cfg.redisUrl);
// The topic is the channel's name; the text goes out once, framed by Bun for every subscriber.
const forward = (message, channel) => server.publish(channel, message);
const channels = new Channels(cfg.channelPrefix, {
  subscribe: (channel) => redis.subscribe(channel, forward),
  unsubscribe: (channel) => redis.unsubscribe(channel),
});
let open = 0;

const server = Bun.serve({
  hostname: cfg.host,
  port: cfg.port,
  async fetch(req, srv) {
    const path = new URL(req.url).pathname;
    if (path === '/api/ws') {
      return srv.upgrade(req, { data: {} }) ? undefined : new Response('WebSocket upgrade expected', { status: 426 });
    }
    if (path === '/health/ready') {
      const { status, body } = await readiness(panel, redis.connected, open);
      return new Response(body, { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });
    }
    return new Response('', { status: 404 });
  },
  websocket: {
    open(ws) {
      open++;
      ws.data.session = new Session(panel, channels, {
        send: (text) => ws.send(text),
        join: (channel) => ws.subscribe(channel),
        // A closed socket has already left its topics.
        leave: (channel, socketClosed) => socketClosed || ws.unsubscribe(channel),
      });
    },
    message(ws, message) {
      if (typeof message === 'string') ws.data.session.onText(message);
      else ws.data.session.onBinary();
    },
    close(ws) {
      open--;
      ws.data.session.close();
    },
  },
});

// Connected before the first subscribe, so that /health/ready reports Redis up from the start.
redis.connect().then(() => console.log(`bun reference relay on ${cfg.host}:${server.port}`),
  (e) => console.error('redis:', e.message));
onStop(async () => {
  server.stop(true);
  redis.close();
  await sql.close();
});
