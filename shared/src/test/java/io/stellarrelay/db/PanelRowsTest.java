package io.stellarrelay.db;

import io.stellarrelay.db.PanelRows.Series;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.stellarrelay.db.PanelRows.Table.LOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.SERVERS;
import static io.stellarrelay.db.PanelRows.Table.SERVER_MEMBERS;
import static io.stellarrelay.db.PanelRows.Table.USERS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PanelRowsTest {
    @Test
    @DisplayName("rows given one by one become one INSERT per table, with now() for a missing updatedAt")
    void insertRendersLiterals() {
        PanelRows rows = new PanelRows();
        rows.insert(USERS, "id", "name", "email", "banned")
                .row("usr_1", "O'Brien", "o@example.com", false)
                .row("usr_2", "Two", "two@example.com", true);

        assertEquals("""
                INSERT INTO users (id, name, email, banned, "updatedAt") VALUES
                    ('usr_1', 'O''Brien', 'o@example.com', false, now()),
                    ('usr_2', 'Two', 'two@example.com', true, now());
                """, rows.script());
    }

    @Test
    @DisplayName("tables come out in foreign-key order, whatever order they were given in")
    void tablesInForeignKeyOrder() {
        PanelRows rows = new PanelRows();
        rows.insert(SERVER_MEMBERS, "id", "serverId", "userId", "updatedAt").row("m", "s", "u", "2026-01-01 00:00:00");
        rows.insert(LOCATIONS, "id", "name", "updatedAt").row("l", "L", "2026-01-01 00:00:00");

        assertEquals("""
                INSERT INTO locations (id, name, "updatedAt") VALUES
                    ('l', 'L', '2026-01-01 00:00:00');

                INSERT INTO server_members (id, "serverId", "userId", "updatedAt") VALUES
                    ('m', 's', 'u', '2026-01-01 00:00:00');
                """, rows.script());
    }

    @Test
    @DisplayName("generated rows select expressions over series, with a condition and conflicts skipped")
    void generatedRows() {
        PanelRows rows = new PanelRows();
        rows.generate(SERVER_MEMBERS, Series.range("i", 3), Series.values("side", "a", "b"))
                .expr("id", "'m_' || i || side")
                .set("serverId", "srv")
                .expr("userId", "'u_' || i")
                .set("permissions", List.of("console.read"))
                .where("i <> 1")
                .ignoreConflicts();

        assertEquals("""
                INSERT INTO server_members (id, "serverId", "userId", permissions, "updatedAt")
                SELECT 'm_' || i || side, 'srv', 'u_' || i, '{"console.read"}', now()
                  FROM generate_series(0, 2) AS i, (VALUES ('a'), ('b')) AS sides(side)
                 WHERE i <> 1
                ON CONFLICT DO NOTHING;
                """, rows.script());
    }

    @Test
    @DisplayName("literals: NULL, numbers as written, text arrays with quotes and backslashes escaped")
    void literals() {
        assertEquals("NULL", PanelRows.literal(null));
        assertEquals("-1", PanelRows.literal(-1));
        assertEquals("34359738368", PanelRows.literal(34359738368L));
        assertEquals("150.5", PanelRows.literal(150.5));
        assertEquals("'{}'", PanelRows.literal(List.of()));
        assertEquals("'{\"a\\\\b\",\"say \\\"hi\\\"\",\"it''s\"}'", PanelRows.literal(List.of("a\\b", "say \"hi\"", "it's")));
        assertEquals("now() - interval '1 day'", PanelRows.literal(PanelRows.expr("now() - interval '1 day'")));
        assertEquals("no SQL literal for a Character: x",
                assertThrows(IllegalArgumentException.class, () -> PanelRows.literal('x')).getMessage());
    }

    @Test
    @DisplayName("a required column left out is named at once, for rows given one by one")
    void missingRequiredColumnOfAnInsert() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PanelRows().insert(SERVERS, "id", "name", "memory", "disk", "cpu", "nodeId", "ownerId"));
        assertEquals("servers rows need a value for the required column(s) blueprintId", e.getMessage());
    }

    @Test
    @DisplayName("a required column left out of generated rows is named when the script is made")
    void missingRequiredColumnOfGeneratedRows() {
        PanelRows rows = new PanelRows();
        rows.generate(USERS, Series.range("i", 2)).expr("id", "'u' || i").expr("name", "'U' || i");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, rows::script);
        assertEquals("users rows need a value for the required column(s) email", e.getMessage());
    }

    @Test
    @DisplayName("an unknown column, a column given twice or a row of the wrong length is refused")
    void badColumnsAndRows() {
        PanelRows rows = new PanelRows();
        assertEquals("users has no column \"emial\"", assertThrows(IllegalArgumentException.class,
                () -> rows.insert(USERS, "id", "name", "emial")).getMessage());
        assertEquals("users has no column \"Name\"", assertThrows(IllegalArgumentException.class,
                () -> rows.generate(USERS, Series.range("i", 1)).set("Name", "x")).getMessage());
        assertEquals("users: a column is given twice in [id, name, email, name]", assertThrows(
                IllegalArgumentException.class, () -> rows.insert(USERS, "id", "name", "email", "name")).getMessage());
        PanelRows.Insert users = rows.insert(USERS, "id", "name", "email");
        assertEquals("users row with 2 values for 3 columns [id, name, email]",
                assertThrows(IllegalArgumentException.class, () -> users.row("u", "U")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Series.range("i; DROP TABLE users", 1));
        assertThrows(IllegalArgumentException.class, () -> Series.range("i", -1));
    }

    @Test
    @DisplayName("nothing to insert gives an empty script")
    void emptyInsert() {
        PanelRows rows = new PanelRows();
        rows.insert(USERS, "id", "name", "email");
        assertEquals("", rows.script());
    }
}
