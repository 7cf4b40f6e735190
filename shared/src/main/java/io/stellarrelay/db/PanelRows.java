package io.stellarrelay.db;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Rows for the panel's tables, for the databases that play the panel: the tests' fixtures, the
 * benchmark's generated installation and the demo's. It knows each table's columns and which of them
 * a row must give (NOT NULL without a default in {@code db/panel-schema.sql}), and renders the rows as
 * one SQL script, tables in an order their foreign keys accept.
 *
 * <p>Two kinds of rows: {@link #insert} takes rows one by one (named fixtures), {@link #generate}
 * makes many from {@code generate_series} with SQL expressions per column (bulk rows). A row that
 * does not give {@code "updatedAt"} gets {@code now()}, as the panel sets it on every write. Values are
 * Java literals ({@code String}, numbers, {@code Boolean}, {@code null}, {@code List<String>} for a
 * {@code text[]}; JSON and timestamps as strings) or {@link #expr SQL expressions}.
 */
public final class PanelRows {
    /** {@code now()}, the default of {@code "updatedAt"}. */
    public static final Expr NOW = expr("now()");

    private static final String UPDATED_AT = "updatedAt";

    /** The panel tables, in an order in which rows can be inserted (referenced tables first). */
    public enum Table {
        LOCATIONS("locations", List.of("id", "name", "updatedAt"),
                List.of("description", "country", "city", "createdAt")),
        NODES("nodes", List.of("id", "displayName", "host", "port", "memoryLimit", "diskLimit", "cpuLimit", "token",
                "tokenHash", "locationId", "updatedAt"),
                List.of("protocol", "sftpPort", "uploadLimit", "isOnline", "lastHeartbeat", "heartbeatLatency",
                        "createdAt")),
        BLUEPRINTS("blueprints", List.of("id", "name", "dockerImages", "startup", "config", "scripts", "variables",
                "dockerConfig", "updatedAt"),
                List.of("description", "category", "author", "metaVersion", "updateUrl", "fileDenylist", "features",
                        "isPublic", "createdAt")),
        USERS("users", List.of("id", "name", "email", "updatedAt"),
                List.of("emailVerified", "image", "role", "banned", "twoFactorEnabled", "createdAt")),
        SESSIONS("sessions", List.of("id", "expiresAt", "token", "userId", "updatedAt"),
                List.of("ipAddress", "userAgent", "createdAt")),
        SERVERS("servers", List.of("id", "name", "memory", "disk", "cpu", "nodeId", "blueprintId", "ownerId",
                "updatedAt"),
                List.of("shortId", "description", "containerId", "status", "previousStatus", "suspended", "cpuPinning",
                        "swap", "oomKillDisable", "backupLimit", "allocationLimit", "config", "variables",
                        "dockerImage", "customStartupCommands", "createdAt", "primaryAllocationId",
                        "parentServerId")),
        ALLOCATIONS("allocations", List.of("id", "ip", "port", "nodeId", "updatedAt"),
                List.of("alias", "assigned", "serverId", "createdAt")),
        SERVER_MEMBERS("server_members", List.of("id", "serverId", "userId", "updatedAt"),
                List.of("permissions", "createdAt"));

        private final String sqlName;
        private final List<String> required;
        private final Set<String> columns;

        Table(String sqlName, List<String> required, List<String> optional) {
            this.sqlName = sqlName;
            this.required = required;
            this.columns = Stream.concat(required.stream(), optional.stream())
                    .collect(Collectors.toUnmodifiableSet());
        }

        public String sqlName() {
            return sqlName;
        }

        /**
         * The columns NOT NULL and without a default in the panel schema: a row must give them, but for
         * {@code "updatedAt"}, which gets {@code now()}.
         */
        public List<String> required() {
            return required;
        }

        /** Every column of the table. */
        public Set<String> columns() {
            return columns;
        }

        private void checkColumns(List<String> given) {
            for (String column : given) {
                if (!columns.contains(column)) {
                    throw new IllegalArgumentException(sqlName + " has no column \"" + column + "\"");
                }
            }
            if (given.size() != Set.copyOf(given).size()) {
                throw new IllegalArgumentException(sqlName + ": a column is given twice in " + given);
            }
            List<String> missing = required.stream()
                    .filter(column -> !column.equals(UPDATED_AT) && !given.contains(column)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(sqlName + " rows need a value for the required column(s) "
                        + String.join(", ", missing));
            }
        }
    }

    /** A piece of SQL used as a value as it is, e.g. {@code now()} or {@code 'bulk_' || i}. */
    public record Expr(String sql) {}

    public static Expr expr(String sql) {
        return new Expr(sql);
    }

    /**
     * A row source for {@link #generate}: {@link #range} numbers {@code 0 .. count - 1},
     * {@link #values} a few strings; the variable names the current value in the column expressions.
     */
    public record Series(String sql) {
        public static Series range(String variable, int count) {
            if (count < 0) {
                throw new IllegalArgumentException("a negative count of rows: " + count);
            }
            return new Series("generate_series(0, " + (count - 1) + ") AS " + variable(variable));
        }

        public static Series values(String variable, String... values) {
            String rows = Arrays.stream(values).map(v -> "(" + literal(v) + ")").collect(Collectors.joining(", "));
            return new Series("(VALUES " + rows + ") AS " + variable(variable) + "s(" + variable + ")");
        }

        private static String variable(String name) {
            if (!name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a plain SQL name: " + name);
            }
            return name;
        }
    }

    /** One INSERT statement's rows. */
    private abstract static sealed class Statement permits Insert, Generated {
        final Table table;

        Statement(Table table) {
            this.table = table;
        }

        /** The statement, or nothing when it has no rows. */
        abstract String sql();
    }

    private final List<Statement> statements = new ArrayList<>();

    /**
     * Rows of {@code table} giving {@code columns}, added by {@link Insert#row}; the required columns
     * must be among them.
     */
    public Insert insert(Table table, String... columns) {
        Insert insert = new Insert(table, List.of(columns));
        statements.add(insert);
        return insert;
    }

    /**
     * Rows of {@code table}, one for each combination of the series' values; every column is given by
     * {@link Generated#set}.
     */
    public Generated generate(Table table, Series... from) {
        if (from.length == 0) {
            throw new IllegalArgumentException("generated rows need at least one series");
        }
        Generated generated = new Generated(table, List.of(from));
        statements.add(generated);
        return generated;
    }

    /** One SQL script inserting every row, table by table in {@link Table} order. */
    public String script() {
        return statements.stream()
                .sorted(Comparator.comparing((Statement statement) -> statement.table))
                .map(Statement::sql)
                .filter(sql -> !sql.isEmpty())
                .collect(Collectors.joining("\n"));
    }

    /** Rows given one by one. */
    public static final class Insert extends Statement {
        private final List<String> columns;
        private final List<List<Object>> rows = new ArrayList<>();

        private Insert(Table table, List<String> columns) {
            super(table);
            table.checkColumns(columns);
            this.columns = columns;
        }

        /** Adds a row: one value for each column, in the order of {@link PanelRows#insert}. */
        public Insert row(Object... values) {
            if (values.length != columns.size()) {
                throw new IllegalArgumentException(table.sqlName + " row with " + values.length + " values for "
                        + columns.size() + " columns " + columns);
            }
            List<Object> row = new ArrayList<>(Arrays.asList(values));
            rows.add(row);
            return this;
        }

        @Override
        String sql() {
            if (rows.isEmpty()) {
                return "";
            }
            boolean stamp = !columns.contains(UPDATED_AT);
            List<String> names = new ArrayList<>(columns);
            if (stamp) {
                names.add(UPDATED_AT);
            }
            return rows.stream()
                    .map(row -> row.stream().map(PanelRows::literal).collect(Collectors.joining(", ", "    (",
                            stamp ? ", " + NOW.sql() + ")" : ")")))
                    .collect(Collectors.joining(",\n", "INSERT INTO " + table.sqlName + " " + columnList(names)
                            + " VALUES\n", ";\n"));
        }
    }

    /** Rows made by {@code INSERT ... SELECT} over series of values. */
    public static final class Generated extends Statement {
        private final List<Series> from;
        private final Map<String, Object> values = new LinkedHashMap<>();
        private String where;
        private boolean ignoreConflicts;

        private Generated(Table table, List<Series> from) {
            super(table);
            this.from = from;
        }

        /** The value of {@code column} in every row: a literal, or an {@link Expr} over the series' variables. */
        public Generated set(String column, Object value) {
            if (!table.columns.contains(column)) {
                throw new IllegalArgumentException(table.sqlName + " has no column \"" + column + "\"");
            }
            values.put(column, value);
            return this;
        }

        /** {@code set(column, expr(sql))}. */
        public Generated expr(String column, String sql) {
            return set(column, PanelRows.expr(sql));
        }

        /** Keeps only the combinations for which the SQL condition holds. */
        public Generated where(String condition) {
            this.where = condition;
            return this;
        }

        /** Skips rows that would break a unique index ({@code ON CONFLICT DO NOTHING}). */
        public Generated ignoreConflicts() {
            this.ignoreConflicts = true;
            return this;
        }

        @Override
        String sql() {
            Map<String, Object> row = new LinkedHashMap<>(values);
            row.putIfAbsent(UPDATED_AT, NOW);
            table.checkColumns(List.copyOf(row.keySet()));
            List<String> lines = new ArrayList<>(List.of(
                    "INSERT INTO " + table.sqlName + " " + columnList(row.keySet()),
                    "SELECT " + row.values().stream().map(PanelRows::literal).collect(Collectors.joining(", ")),
                    "  FROM " + from.stream().map(Series::sql).collect(Collectors.joining(", "))));
            if (where != null) {
                lines.add(" WHERE " + where);
            }
            if (ignoreConflicts) {
                lines.add("ON CONFLICT DO NOTHING");
            }
            return String.join("\n", lines) + ";\n";
        }
    }

    private static String columnList(Collection<String> columns) {
        return columns.stream().map(PanelRows::identifier).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String identifier(String column) {
        return column.matches("[a-z_][a-z0-9_]*") ? column : '"' + column + '"';
    }

    /**
     * {@code value} as an SQL literal: {@code NULL}, a quoted string, a number, {@code true}/{@code false},
     * a {@code text[]} literal for a list of strings, or the SQL of an {@link Expr}.
     */
    public static String literal(Object value) {
        return switch (value) {
            case null -> "NULL";
            case Expr e -> e.sql();
            case String s -> "'" + s.replace("'", "''") + "'";
            case Boolean b -> b.toString();
            case Integer i -> i.toString();
            case Long l -> l.toString();
            case Double d when Double.isFinite(d) -> BigDecimal.valueOf(d).toPlainString();
            case BigDecimal d -> d.toPlainString();
            case List<?> list -> literal(list.stream().map(PanelRows::arrayElement)
                    .collect(Collectors.joining(",", "{", "}")));
            default -> throw new IllegalArgumentException("no SQL literal for a " + value.getClass().getSimpleName()
                    + ": " + value);
        };
    }

    private static String arrayElement(Object element) {
        if (!(element instanceof String s)) {
            throw new IllegalArgumentException("only text arrays are supported, not an element " + element);
        }
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
