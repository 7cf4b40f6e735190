'use strict';
// What both reference relays share: configuration, the panel's two queries, the reference count of
// Redis channels and the per-socket protocol. Each entry file brings its own WebSocket server, Redis
// and PostgreSQL clients: node-ws.js the Node ecosystem's usual ones, bun.js Bun's built-in ones.

// The relay's strings (shared/.../protocol/ErrorMessages.java); ReferenceRelayIT compares them.
const ERRORS = {
  invalidSession: 'Invalid or expired session',
  authRequired: 'Authentication required to subscribe',
  forbidden: "Forbidden: You don't have access to this server",
  invalidJson: 'Invalid JSON',
  notAnObject: 'Message must be a JSON object',
  missingType: 'Message needs a string "type"',
  unknownType: 'Unknown message type: ',
  serverIdRequired: '"serverId" must be a non-empty string',
  binary: 'Binary frames are not supported; send JSON text frames',
  alreadyAuthenticated: 'Already authenticated as another user; open a new connection',
  authUnavailable: 'Authentication is temporarily unavailable, try again shortly',
  accessUnavailable: 'Access check is temporarily unavailable, try again shortly',
};

// The relay's variables, where they apply, with the relay's defaults.
function config(env = process.env) {
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required');
  return {
    host: env.HOST || '0.0.0.0',
    port: Number(env.PORT || 3001),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    channelPrefix: (env.REDIS_PREFIX || 'stellar') + ':server:',
    poolSize: Number(env.DATABASE_POOL_SIZE || 10),
  };
}

// A session counts while its row exists, "expiresAt" (UTC wall time) is ahead and the user is not banned.
const USER = `SELECT u.id, u.role FROM sessions s JOIN users u ON u.id = s."userId"
  WHERE s.token = $1 AND s."expiresAt" > (now() AT TIME ZONE 'UTC') AND NOT u.banned`;
// Access as the relay grants it, in one statement: an existing server that the user owns or is a member
// of, or any existing server for an admin (the relay also gates console, which the references lack).
const ACCESS = `SELECT 1 FROM servers s WHERE s.id = $1 AND ($3 OR s."ownerId" = $2
  OR EXISTS (SELECT 1 FROM server_members m WHERE m."serverId" = s.id AND m."userId" = $2))`;

// query(text, params) resolves to the rows, whichever PostgreSQL client runs it.
class Panel {
  constructor(query) {
    this.query = query;
  }

  async user(token) {
    const rows = await this.query(USER, [token]);
    if (rows.length === 0) return null;
    const admin = (rows[0].role || '').split(',').some((r) => r.trim() === 'admin');
    return { id: rows[0].id, admin };
  }

  async mayWatch(user, serverId) {
    return (await this.query(ACCESS, [serverId, user.id, user.admin])).length > 0;
  }

  async up() {
    await this.query('SELECT 1', []);
    return true;
  }
}

// One Redis connection subscribed to each server channel that has at least one socket.
// redis: subscribe(channel) and unsubscribe(channel), each returning a promise.
class Channels {
  constructor(prefix, redis) {
    this.prefix = prefix;
    this.redis = redis;
    this.counts = new Map();
  }

  channel(serverId) {
    return this.prefix + serverId;
  }

  watch(serverId) {
    const channel = this.channel(serverId);
    const n = this.counts.get(channel) || 0;
    this.counts.set(channel, n + 1);
    if (n === 0) this.redis.subscribe(channel).catch((e) => console.error('subscribe', channel, e.message));
    return channel;
  }

  unwatch(serverId) {
    const channel = this.channel(serverId);
    const n = this.counts.get(channel) || 0;
    if (n > 1) return this.counts.set(channel, n - 1);
    this.counts.delete(channel);
    this.redis.unsubscribe(channel).catch((e) => console.error('unsubscribe', channel, e.message));
  }
}

const frame = (type, fields) => JSON.stringify({ type, ...fields });
const error = (message) => frame('error', { error: message });

// One socket's protocol state. transport: send(text), join(channel), leave(channel, socketClosed).
// Frames are handled one after another, so replies keep the order of requests.
class Session {
  constructor(panel, channels, transport) {
    Object.assign(this, { panel, channels, transport, user: null, servers: new Set(), closed: false });
    this.queue = Promise.resolve();
  }

  onText(text) {
    this.queue = this.queue.then(() => this.handle(text)).catch((e) => {
      console.error('session:', e);
      this.send(error('Internal error'));
    });
  }

  onBinary() {
    this.onText(null);
  }

  send(text) {
    if (!this.closed) this.transport.send(text);
  }

  async handle(text) {
    if (text === null) return this.send(error(ERRORS.binary));
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return this.send(error(ERRORS.invalidJson));
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return this.send(error(ERRORS.notAnObject));
    if (typeof m.type !== 'string') return this.send(error(ERRORS.missingType));
    switch (m.type) {
      case 'ping': return this.send(frame('pong', {}));
      case 'auth': return this.auth(m.token);
      case 'subscribe':
      case 'unsubscribe':
        if (typeof m.serverId !== 'string' || m.serverId === '') return this.send(error(ERRORS.serverIdRequired));
        return m.type === 'subscribe' ? this.subscribe(m.serverId) : this.unsubscribe(m.serverId);
      default: return this.send(error(`${ERRORS.unknownType}"${m.type.length > 64 ? `${m.type.slice(0, 64)}...` : m.type}"`));
    }
  }

  async auth(token) {
    let user;
    try {
      user = typeof token === 'string' ? await this.panel.user(token) : null;
    } catch (e) {
      console.error('auth:', e.message);
      return this.send(frame('auth_error', { error: ERRORS.authUnavailable }));
    }
    if (!user) return this.send(frame('auth_error', { error: ERRORS.invalidSession }));
    if (this.user && this.user.id !== user.id) return this.send(error(ERRORS.alreadyAuthenticated));
    this.user = user;
    this.send(frame('auth_success', { userId: user.id }));
  }

  async subscribe(serverId) {
    if (!this.user) return this.send(error(ERRORS.authRequired));
    if (!this.servers.has(serverId)) {
      let allowed;
      try {
        allowed = await this.panel.mayWatch(this.user, serverId);
      } catch (e) {
        console.error('access:', e.message);
        return this.send(error(ERRORS.accessUnavailable));
      }
      if (!allowed) return this.send(error(ERRORS.forbidden));
      if (this.closed || this.servers.has(serverId)) return;
      this.servers.add(serverId);
      this.transport.join(this.channels.watch(serverId));
    }
    this.send(frame('subscribed', { serverId }));
  }

  unsubscribe(serverId) {
    if (this.servers.delete(serverId)) this.drop(serverId, false);
    this.send(frame('unsubscribed', { serverId }));
  }

  drop(serverId, socketClosed) {
    this.transport.leave(this.channels.channel(serverId), socketClosed);
    this.channels.unwatch(serverId);
  }

  close() {
    this.closed = true;
    for (const id of this.servers) this.drop(id, true);
    this.servers.clear();
  }
}

// GET /health/ready as the relay answers it (the bench waits for 200 and reads "connections").
async function readiness(panel, redisUp, connections) {
  let database = false;
  try {
    database = await panel.up();
  } catch {
    database = false;
  }
  const redis = redisUp;
  const ready = redis && database;
  const body = JSON.stringify({ status: ready ? 'ready' : 'not ready', redis: redis ? 'up' : 'down',
    database: database ? 'up' : 'down', connections });
  return { status: ready ? 200 : 503, body };
}

// SIGTERM/SIGINT: stop listening, let Redis and the pool go, exit.
function onStop(stop) {
  const handler = async () => {
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

module.exports = { config, Panel, Channels, Session, readiness, onStop, ERRORS };
