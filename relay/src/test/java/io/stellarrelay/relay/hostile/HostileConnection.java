package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.support.RawWebSocket;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static io.stellarrelay.relay.hostile.Rules.CODEC;
import static io.stellarrelay.relay.hostile.Rules.MAX_AUTH_FAILURES_PER_CONNECTION;
import static io.stellarrelay.relay.hostile.Rules.PROTOCOL_ERROR;
import static io.stellarrelay.relay.hostile.Rules.authError;
import static io.stellarrelay.relay.hostile.Rules.closeWith;
import static io.stellarrelay.relay.hostile.Rules.documented;
import static io.stellarrelay.relay.hostile.Texts.describe;
import static io.stellarrelay.relay.hostile.Texts.outcomeKey;
import static io.stellarrelay.relay.hostile.Texts.preview;
import static io.stellarrelay.relay.support.RawWebSocket.CLOSE;
import static io.stellarrelay.relay.support.RawWebSocket.PING;
import static io.stellarrelay.relay.support.RawWebSocket.PONG;
import static io.stellarrelay.relay.support.RawWebSocket.TEXT;

/** A hostile socket, what it is, and what the relay has done to it so far. */
final class HostileConnection implements AutoCloseable {
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    final RawWebSocket ws;
    final Persona persona;
    final String name;
    private final Report report;
    int authFailures;
    boolean closed;

    private HostileConnection(RawWebSocket ws, Persona persona, String name, Report report) {
        this.ws = ws;
        this.report = report;
        this.persona = persona;
        this.name = name;
    }

    static HostileConnection open(int port, Report report, Persona persona, String name) throws IOException {
        HostileConnection conn = new HostileConnection(RawWebSocket.connect(port, READ_TIMEOUT), persona, name, report);
        report.connections.increment();
        if (persona.token != null) {
            conn.ws.sendText("{\"type\":\"auth\",\"token\":\"" + persona.token + "\"}");
            report.setupFrames.increment();
            Outcome o = conn.next();
            if (!o.equals(new Outcome.Text(CODEC.encode(new ServerMessage.AuthSuccess(persona.userId))))) {
                report.undocumented.add(name + " " + persona + ": setup auth got " + describe(o));
                conn.closed = true;
            }
        }
        return conn;
    }

    /** Writes every step, then judges the answers in order; returns the frames sent. */
    int fire(List<Step> steps) {
        int written = 0;
        int frames = 0;
        for (Step step : steps) {
            try {
                ws.sendRaw(step.wire());
                if (step.halfClose()) {
                    ws.shutdownOutput();
                }
            } catch (IOException e) {
                break; // the relay closed the socket already; the answers read below tell why
            }
            report.sent(step);
            frames += step.frames();
            written++;
        }
        for (int i = 0; i < written; i++) {
            judge(steps.get(i));
        }
        return frames;
    }

    private void judge(Step step) {
        if (step.label().startsWith("subscribe") && persona == Persona.ANONYMOUS) {
            report.unauthenticatedSubscribes.increment();
        } else if (step.label().startsWith("subscribe") && persona == Persona.STRANGER) {
            report.strangerSubscribes.increment();
        }
        if (closed) {
            report.skippedAfterClose.increment();
            return;
        }
        if (step.expect() instanceof Expect.Nothing) {
            record(step, step.expect(), null, Verdict.EXPECTED);
            return;
        }
        Outcome o = next();
        record(step, step.expect(), o, verdict(step.expect(), o));
        if (o instanceof Outcome.Text t && t.json().equals(authError(ErrorMessages.INVALID_SESSION))
                && ++authFailures >= MAX_AUTH_FAILURES_PER_CONNECTION) {
            Expect closing = closeWith(CloseCode.TOO_MANY_AUTH_FAILURES.code());
            Outcome c = next();
            record(step, closing, c, verdict(closing, c));
        }
    }

    private Verdict verdict(Expect e, Outcome o) {
        boolean match = switch (e) {
            case Expect.Reply r -> o instanceof Outcome.Text t && t.json().equals(r.expected());
            case Expect.PongFrame p -> o instanceof Outcome.Pong q && Arrays.equals(p.payload(), q.payload());
            case Expect.Close c -> o instanceof Outcome.Closed k && c.codes().contains(k.code());
            case Expect.Dropped d -> o instanceof Outcome.Eof || o instanceof Outcome.Closed k && documented(k);
            case Expect.Nothing n -> true;
        };
        if (match) {
            return Verdict.EXPECTED;
        }
        if (persona == Persona.ANONYMOUS && o instanceof Outcome.Closed k
                && k.code() == CloseCode.AUTH_TIMEOUT.code()) {
            return Verdict.EXPECTED; // the documented deadline for unauthenticated sockets, at any time
        }
        return documented(o) ? Verdict.DEVIATION : Verdict.UNDOCUMENTED;
    }

    private void record(Step step, Expect expect, Outcome o, Verdict v) {
        report.verdicts.computeIfAbsent(v, k -> new LongAdder()).increment();
        if (o != null) {
            boolean echo = step.category() == Category.CLOSE_FRAMES && v == Verdict.EXPECTED
                    && o instanceof Outcome.Closed c && c.code() != PROTOCOL_ERROR
                    && c.code() != CloseCode.INVALID_PAYLOAD.code();
            report.outcome(echo ? "close " + ((Outcome.Closed) o).code() + " (echo of the client's close)" : outcomeKey(o));
        }
        String detail = name + " " + persona + " " + step.category() + " [" + step.label() + "]: expected "
                + describe(expect) + ", got " + describe(o);
        switch (v) {
            case DEVIATION -> report.deviations.add(detail);
            case UNDOCUMENTED -> report.undocumented.add(detail);
            case EXPECTED -> { }
        }
        if (o instanceof Outcome.Text t && persona == Persona.ANONYMOUS
                && (t.json().startsWith("{\"type\":\"subscribed\"") || t.json().startsWith("{\"type\":\"auth_success\""))) {
            report.violations.add("unauthenticated socket got " + detail);
        }
    }

    /** The relay's next answer, skipping its keepalive pings and the syncs an owner socket may get. */
    Outcome next() {
        while (true) {
            RawWebSocket.Frame f;
            try {
                f = ws.read();
            } catch (SocketTimeoutException e) {
                return finish(new Outcome.Silent());
            } catch (EOFException e) {
                return finish(new Outcome.Eof());
            } catch (IOException e) {
                return finish(new Outcome.Broken(e.toString()));
            }
            switch (f.opcode()) {
                case PING -> {
                    try {
                        ws.send(true, 0, PONG, f.payload());
                    } catch (IOException ignored) {
                        // the next read tells what happened
                    }
                }
                case TEXT -> {
                    String text = report.checked(f.text());
                    if (!f.fin()) {
                        return new Outcome.OtherFrame("fragmented text " + preview(text));
                    }
                    if (text.startsWith("{\"type\":\"server:sync\"")) {
                        if (persona != Persona.OWNER) {
                            report.violations.add(name + " " + persona + " received " + preview(text));
                        }
                        report.syncsToHostileOwners.increment();
                    } else {
                        return new Outcome.Text(text);
                    }
                }
                case PONG -> {
                    return new Outcome.Pong(f.payload());
                }
                case CLOSE -> {
                    return finish(new Outcome.Closed(f.closeCode(), report.checked(f.closeReason())));
                }
                default -> {
                    return new Outcome.OtherFrame(f.toString());
                }
            }
        }
    }

    private Outcome finish(Outcome o) {
        closed = true;
        ws.close();
        return o;
    }

    @Override
    public void close() {
        ws.close();
    }
}
