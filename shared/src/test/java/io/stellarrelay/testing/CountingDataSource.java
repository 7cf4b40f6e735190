package io.stellarrelay.testing;

import javax.sql.DataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a data source and counts every SQL statement executed through it. */
public final class CountingDataSource {
    private final AtomicInteger executions = new AtomicInteger();
    private final DataSource proxy;

    public CountingDataSource(DataSource target) {
        this.proxy = proxy(DataSource.class, target);
    }

    public DataSource dataSource() {
        return proxy;
    }

    public int statements() {
        return executions.get();
    }

    public void reset() {
        executions.set(0);
    }

    @SuppressWarnings("unchecked")
    private <T> T proxy(Class<T> type, T target) {
        InvocationHandler handler = (p, method, args) -> {
            Object result = invoke(target, method, args);
            if (method.getName().startsWith("execute")) {
                executions.incrementAndGet();
            }
            if (result instanceof Connection c && type != Connection.class) {
                return proxy(Connection.class, c);
            }
            if (result instanceof Statement s && method.getReturnType().isInterface()) {
                return proxy((Class<Statement>) method.getReturnType(), s);
            }
            return result;
        };
        return (T) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
