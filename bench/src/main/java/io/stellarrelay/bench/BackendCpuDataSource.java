package io.stellarrelay.bench;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The poller's own data source ({@link Databases#unpooled}), measured: for each connection it reads the
 * PostgreSQL backend's PID from the protocol handshake (no query), and {@link #cpuSeconds()} adds up the
 * CPU time from /proc of the backends still open and, taken just before they closed, of those gone. So
 * the CPU PostgreSQL spent on a tick (connection start-up included, for a connection opened in it) is
 * known without touching the statements, whether the poller keeps its connection or opens one per tick.
 */
final class BackendCpuDataSource implements DataSource {
    private final DataSource delegate;
    private final DoubleAdder closedCpuSeconds = new DoubleAdder();
    private final java.util.Set<Long> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final LongAdder connections = new LongAdder();

    BackendCpuDataSource(DatabaseSettings settings) {
        this.delegate = Databases.unpooled(settings);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return measured(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return measured(delegate.getConnection(user, password));
    }

    private Connection measured(Connection c) throws SQLException {
        connections.increment();
        long pid = c.unwrap(PGConnection.class).getBackendPID();
        open.add(pid);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("close") && (args == null || args.length == 0) && open.remove(pid)) {
                double cpu = ProcStats.cpuSecondsOf(List.of(pid));
                if (cpu >= 0) {
                    closedCpuSeconds.add(cpu);
                }
            }
            try {
                return method.invoke(c, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    /** CPU seconds of every backend this data source opened, so far. */
    double cpuSeconds() {
        double sum = closedCpuSeconds.sum();
        for (long pid : open) {
            double cpu = ProcStats.cpuSecondsOf(List.of(pid));
            sum += Math.max(0, cpu);
        }
        return sum;
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
