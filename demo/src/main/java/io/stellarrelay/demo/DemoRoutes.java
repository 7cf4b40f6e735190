package io.stellarrelay.demo;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.CookieAuthentication;
import io.stellarrelay.relay.auth.PanelDatabase;
import io.stellarrelay.relay.auth.SessionCookie;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the demo adds to the relay, standing in for the panel: the page, a list of demo users, a login
 * that sets a properly signed Better Auth cookie, and the list of servers the logged-in user may see
 * (the panel's REST API would give it). Live data itself only flows through the documented protocol.
 */
final class DemoRoutes {
    private static final String USERS = """
            SELECT u.id, u.name, u.role, u.banned,
                   (SELECT count(*) FROM servers s WHERE s."ownerId" = u.id),
                   (SELECT count(*) FROM server_members m WHERE m."userId" = u.id)
              FROM users u
             ORDER BY (u.role = 'admin') DESC, u.banned, u.name""";

    private static final String NEWEST_SESSION = """
            SELECT token FROM sessions WHERE "userId" = ? ORDER BY "expiresAt" DESC LIMIT 1""";

    private static final String VISIBLE_SERVERS = """
            SELECT s.id, s.name FROM servers s
             WHERE ? OR s."ownerId" = ?
                OR EXISTS (SELECT 1 FROM server_members m WHERE m."serverId" = s.id AND m."userId" = ?)
             ORDER BY s.name""";

    /** Makes a server crash now; empty when there is no such (unsuspended) server. */
    interface Crash {
        Optional<ActivitySimulator.Change> crash(String serverId) throws SQLException;
    }

    private final DataSource dataSource;
    private final SessionCookie cookies;
    private final CookieAuthentication authentication;
    private final Crash crash;

    DemoRoutes(DataSource dataSource, SessionCookie cookies, Crash crash) {
        this.dataSource = dataSource;
        this.cookies = cookies;
        this.authentication = new CookieAuthentication(cookies, new PanelDatabase(dataSource));
        this.crash = crash;
    }

    void install(JavalinConfig cfg) {
        cfg.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = "/demo-web";
            files.location = Location.CLASSPATH;
        });
        cfg.routes.get("/demo/users", this::users);
        cfg.routes.post("/demo/login", this::login);
        cfg.routes.post("/demo/logout", this::logout);
        cfg.routes.get("/demo/servers", this::servers);
        cfg.routes.post("/demo/servers/{serverId}/crash", this::crash);
    }

    private void users(Context ctx) throws SQLException {
        List<Map<String, Object>> users = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(USERS);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                Map<String, Object> user = new LinkedHashMap<>();
                user.put("id", rs.getString(1));
                user.put("name", rs.getString(2));
                user.put("description", describe(rs.getString(3), rs.getBoolean(4), rs.getInt(5), rs.getInt(6)));
                users.add(user);
            }
        }
        ctx.json(users);
    }

    static String describe(String role, boolean banned, int owned, int memberOf) {
        if (banned) {
            return "banned: the relay refuses this user";
        }
        if ("admin".equals(role)) {
            return "admin: sees every server";
        }
        List<String> parts = new ArrayList<>();
        if (owned > 0) {
            parts.add("owns " + owned + (owned == 1 ? " server" : " servers"));
        }
        if (memberOf > 0) {
            parts.add("sub-user of " + memberOf + (memberOf == 1 ? " server" : " servers"));
        }
        return parts.isEmpty() ? "no access to any server" : String.join(", ", parts);
    }

    private void login(Context ctx) throws SQLException {
        String userId = ctx.bodyAsClass(LoginRequest.class).userId();
        String token = null;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(NEWEST_SESSION)) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    token = rs.getString(1);
                }
            }
        }
        if (token == null) {
            ctx.status(HttpStatus.NOT_FOUND).json(Map.of("error", "No such demo user"));
            return;
        }
        // Exactly what Better Auth sets: URL-encoded "<token>.<base64 HMAC-SHA256>", HttpOnly.
        ctx.header("Set-Cookie", SessionCookie.NAME + "=" + cookies.cookieValue(token)
                + "; Path=/; HttpOnly; SameSite=Lax");
        ctx.json(Map.of("userId", userId));
    }

    record LoginRequest(String userId) {}

    private void logout(Context ctx) {
        ctx.header("Set-Cookie", SessionCookie.NAME + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        ctx.status(HttpStatus.NO_CONTENT);
    }

    /**
     * The servers the logged-in user may see. The page asks before anyone has logged in, and after logging
     * in as the banned user: "nobody" is an answer here ({@code "userId": null}), not an error.
     */
    private void servers(Context ctx) throws SQLException {
        Optional<AuthenticatedUser> user = authentication.authenticate(ctx).map(CookieAuthentication.Session::user);
        if (user.isEmpty()) {
            if (ctx.status() == HttpStatus.UNAUTHORIZED) {
                ctx.status(HttpStatus.OK).json(Map.of("servers", List.of()));
            }
            return;
        }
        ctx.json(Map.of("userId", user.get().id(), "servers", visibleServers(user.get())));
    }

    /** The page's "crash now": the server prints its crash report at once, so its console shows dropped lines. */
    private void crash(Context ctx) throws SQLException {
        Optional<AuthenticatedUser> user = authentication.authenticate(ctx).map(CookieAuthentication.Session::user);
        if (user.isEmpty()) {
            return;
        }
        String serverId = ctx.pathParam("serverId");
        boolean visible = visibleServers(user.get()).stream().anyMatch(s -> s.get("id").equals(serverId));
        if (!visible || crash.crash(serverId).isEmpty()) {
            ctx.status(HttpStatus.NOT_FOUND).json(Map.of("error", "No such server"));
            return;
        }
        ctx.status(HttpStatus.NO_CONTENT);
    }

    private List<Map<String, String>> visibleServers(AuthenticatedUser user) throws SQLException {
        List<Map<String, String>> servers = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(VISIBLE_SERVERS)) {
            st.setBoolean(1, user.admin());
            st.setString(2, user.id());
            st.setString(3, user.id());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    servers.add(Map.of("id", rs.getString(1), "name", rs.getString(2)));
                }
            }
        }
        return servers;
    }
}
