/** The Prometheus registry each service exposes on {@code GET /metrics}, with the JVM's own meters. */
package io.stellarrelay.metrics;
