/** Connection pools to the panel's PostgreSQL database, which stellar-relay only reads. */
package io.stellarrelay.db;
