/**
 * Connection pools to the panel's PostgreSQL database, which stellar-relay only reads; and, for the
 * databases that play the panel (tests, benchmark, demo), never for the services: ScratchDatabase and
 * PanelRows.
 */
package io.stellarrelay.db;
