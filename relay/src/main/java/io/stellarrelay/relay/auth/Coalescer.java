package io.stellarrelay.relay.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Answers single-key lookups with bulk queries. The first lookup starts a load at once (no waiting
 * window, so a lone request costs no latency); lookups that arrive while loads run are collected and
 * answered together by the next one, up to {@code maxBatch} keys per query and {@code maxLoads} queries
 * at a time. After a relay restart every client reconnects at once: instead of thousands of
 * single-row queries queueing for a handful of pooled connections (and timing out), they cost a few
 * dozen statements. Concurrent lookups of the same key share one answer.
 */
final class Coalescer<K, V> {

    /** The bulk query: an answer for every key it knows; keys it leaves out are answered with null. */
    interface Loader<K, V> {
        Map<K, V> load(Collection<K> keys) throws StoreUnavailableException;
    }

    private final Loader<K, V> loader;
    private final int maxBatch;
    private final int maxLoads;
    private final Object lock = new Object();
    private final LinkedHashMap<K, CompletableFuture<V>> pending = new LinkedHashMap<>(); // guarded by lock
    private int loads; // guarded by lock

    Coalescer(Loader<K, V> loader, int maxBatch, int maxLoads) {
        this.loader = loader;
        this.maxBatch = maxBatch;
        this.maxLoads = maxLoads;
    }

    /** The answer for {@code key}, or null when the loader had none. */
    V get(K key) throws StoreUnavailableException {
        CompletableFuture<V> answer;
        boolean startLoad = false;
        synchronized (lock) {
            answer = pending.computeIfAbsent(key, k -> new CompletableFuture<>());
            if (loads < maxLoads) {
                loads++;
                startLoad = true;
            }
        }
        if (startLoad) {
            Thread.ofVirtual().name("relay-lookup").start(this::loadWhilePending);
        }
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreUnavailableException unavailable) {
                throw unavailable;
            }
            throw new StoreUnavailableException("lookup failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for a lookup", e);
        }
    }

    /** Lookups waiting for a load to take them (for tests). */
    int waiting() {
        synchronized (lock) {
            return pending.size();
        }
    }

    private void loadWhilePending() {
        try {
            while (true) {
                Map<K, CompletableFuture<V>> batch = new LinkedHashMap<>();
                synchronized (lock) {
                    Iterator<Map.Entry<K, CompletableFuture<V>>> it = pending.entrySet().iterator();
                    while (it.hasNext() && batch.size() < maxBatch) {
                        Map.Entry<K, CompletableFuture<V>> e = it.next();
                        batch.put(e.getKey(), e.getValue());
                        it.remove();
                    }
                    if (batch.isEmpty()) {
                        return;
                    }
                }
                try {
                    Map<K, V> answers = loader.load(new ArrayList<>(batch.keySet()));
                    batch.forEach((key, answer) -> answer.complete(answers.get(key)));
                } catch (Throwable e) {
                    // Whatever went wrong, nobody may be left waiting for this batch.
                    batch.values().forEach(answer -> answer.completeExceptionally(e));
                    if (e instanceof Error error) {
                        throw error;
                    }
                }
            }
        } finally {
            synchronized (lock) {
                loads--;
                if (!pending.isEmpty() && loads < maxLoads) {
                    // Lookups that arrived as this load gave up its slot must not be left without one.
                    loads++;
                    Thread.ofVirtual().name("relay-lookup").start(this::loadWhilePending);
                }
            }
        }
    }
}
