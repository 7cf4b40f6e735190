/**
 * Real PostgreSQL and Redis servers started from binaries that come from Maven Central, so that the
 * demo and the test suite run on a machine with nothing but a JDK and Maven. Everything they write
 * lives in one {@link io.stellarrelay.embedded.Workspace}, deleted when they stop.
 */
package io.stellarrelay.embedded;
