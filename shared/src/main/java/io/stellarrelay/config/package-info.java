/**
 * Reading configuration from environment variables: a reader that collects every problem before
 * failing, the panel-compatible parsers for {@code DATABASE_URL} and {@code REDIS_URL}, and the settings
 * relay and poller have in common.
 */
package io.stellarrelay.config;
