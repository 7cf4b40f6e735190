'use strict';
// Reference relay 1: Node's `ws` with one ioredis subscriber, scaled the naive way: a map of channel
// to sockets, and ws.send to each socket per Redis message. See bench/README.md "Reference relays".
const http = require('node:http');
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');
const { Pool } = require('pg');
const { config, Panel, Channels, Session, readiness, onStop } = require('./protocol');

const cfg = config();
const pool = new Pool({ connectionString: cfg.databaseUrl, max: cfg.poolSize });
pool.on('error', (e) => console.error('database: idle client error:', e.message));
const panel = new Panel(async (text, params) => (await pool.query(text, params)).rows);
const redis = new Redis(cfg.redisUrl, { connectionName: 'stellar-reference-relay' });
redis.on('error', (e) => console.error('redis:', e.message));
const channels = new Channels(cfg.channelPrefix, redis);
const sockets = new Map(); // channel -> Set<WebSocket>

// The Redis message as it came (a Buffer), sent as a text frame to every socket on its channel.
redis.on('messageBuffer', (channel, message) => {
  const set = sockets.get(channel.toString());
  if (set) for (const ws of set) ws.send(message, { binary: false });
});

const server = http.createServer((req, res) => {
  if (req.url === '/health/ready') {
    readiness(panel, redis.status === 'ready', wss.clients.size).then(({ status, body }) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
    });
  } else {
    res.writeHead(404).end();
  }
});
const wss = new WebSocketServer({ server, path: '/api/ws' });

wss.on('connection', (ws) => {
  const session = new Session(panel, channels, {
    send: (text) => ws.send(text),
    join: (channel) => {
      if (!sockets.has(channel)) sockets.set(channel, new Set());
      sockets.get(channel).add(ws);
    },
    leave: (channel) => {
      const set = sockets.get(channel);
      if (set && set.delete(ws) && set.size === 0) sockets.delete(channel);
    },
  });
  ws.on('message', (data, isBinary) => (isBinary ? session.onBinary() : session.onText(data.toString())));
  ws.on('close', () => session.close());
  ws.on('error', () => ws.terminate());
});

server.listen(cfg.port, cfg.host, () => console.log(`node-ws reference relay on ${cfg.host}:${server.address().port}`));
onStop(async () => {
  wss.close();
  server.close();
  await Promise.allSettled([redis.quit(), pool.end()]);
});
