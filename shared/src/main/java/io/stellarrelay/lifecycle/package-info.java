/**
 * How a service's parts are started and stopped ({@link io.stellarrelay.lifecycle.Lifecycle}), and the
 * one rule for errors a loop or a periodic task must not survive ({@link io.stellarrelay.lifecycle.Fatal}).
 */
package io.stellarrelay.lifecycle;
