package io.stellarrelay.relay.hostile;

import java.io.IOException;
import java.util.Random;

/** One thread of the attack: connection after connection until its share of frames is sent. */
final class Attacker {
    private final int id;
    private final Random random;
    private final int budget;
    private final long deadlineNanos;
    private final Generator generator;
    private final int port;
    private final Report report;
    private int connectionNumber;

    Attacker(int id, Random random, int budget, long deadlineNanos, int port, Report report) {
        this.id = id;
        this.random = random;
        this.budget = budget;
        this.deadlineNanos = deadlineNanos;
        this.generator = new Generator(random);
        this.port = port;
        this.report = report;
    }

    void run() {
        int sent = 0;
        try {
            while (sent < budget && System.nanoTime() < deadlineNanos && !report.tooManyProblems()) {
                int roll = random.nextInt(10);
                Persona persona = roll < 4 ? Persona.ANONYMOUS : roll < 7 ? Persona.STRANGER : Persona.OWNER;
                String name = "w" + id + "/c" + (++connectionNumber);
                HostileConnection conn;
                try {
                    conn = HostileConnection.open(port, report, persona, name);
                } catch (IOException e) {
                    report.undocumented.add(name + ": the relay refused or dropped a new connection: " + e);
                    continue;
                }
                try (conn) {
                    int shots = 1 + random.nextInt(40);
                    for (int i = 0; i < shots && !conn.closed && sent < budget; i++) {
                        sent += conn.fire(generator.shot(persona));
                    }
                }
            }
        } catch (RuntimeException | AssertionError e) {
            report.harnessErrors.add("attacker " + id + ": " + e);
        }
    }
}
