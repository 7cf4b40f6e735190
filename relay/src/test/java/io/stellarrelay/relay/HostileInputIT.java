package io.stellarrelay.relay;

import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

class HostileInputIT {
    interface Act { void run(RawWebSocket ws) throws Exception; }

    static void probe(int port, String name, Act act) {
        try (RawWebSocket ws = RawWebSocket.connect(port, Duration.ofSeconds(2))) {
            long t0 = System.nanoTime();
            try { act.run(ws); } catch (Exception e) { System.out.println("PROBE " + name + " send failed: " + e); }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                try {
                    RawWebSocket.Frame f = ws.read();
                    sb.append(" | ").append(f);
                    if (f.opcode() == RawWebSocket.CLOSE) { ws.send(true,0,8,new byte[]{3,(byte)0xe8}); try { ws.read(); sb.append(" | more?"); } catch (Exception e) { sb.append(" | then ").append(e); } break; }
                } catch (Exception e) { sb.append(" | ").append(e); break; }
            }
            System.out.println("PROBE " + name + " (" + (System.nanoTime()-t0)/1_000_000 + "ms)" + sb);
        } catch (Exception e) { System.out.println("PROBE " + name + " connect failed " + e); }
    }

    @Test
    void probes() throws Exception {
        try (TestDatabase db = TestDatabase.create(); TestRedis redis = TestRedis.create()) {
            PanelFixtures.load(db);
            try (RelayApp relay = RelayFixture.startRelay(db, redis, Map.of("MAX_MESSAGE_BYTES", "4096"))) {
                int p = relay.port();
                byte[] big = new byte[5000]; java.util.Arrays.fill(big, (byte)'a');
                byte[] huge = new byte[200000]; java.util.Arrays.fill(huge, (byte)'a');
                probe(p, "invalid utf8", ws -> ws.send(true,0,1,new byte[]{(byte)0xff,'a'}));
                probe(p, "invalid utf8 fragment", ws -> ws.send(false,0,1,new byte[]{(byte)0xff,'a'}));
                probe(p, "binary", ws -> ws.send(true,0,2,new byte[]{1,2}));
                probe(p, "oversize text", ws -> ws.send(true,0,1,big));
                probe(p, "oversize binary", ws -> ws.send(true,0,2,big));
                probe(p, "huge text", ws -> ws.send(true,0,1,huge));
                probe(p, "oversize fragmented", ws -> { ws.send(false,0,1,java.util.Arrays.copyOf(big,3000)); ws.send(true,0,0,java.util.Arrays.copyOf(big,3000)); });
                probe(p, "fragmented ping", ws -> { ws.send(false,0,1,"{\"type\":".getBytes()); ws.send(false,0,0,"\"pi".getBytes()); ws.send(true,0,0,"ng\"}".getBytes()); });
                probe(p, "fragmented with ping between", ws -> { ws.send(false,0,1,"{\"type\":".getBytes()); ws.send(true,0,9,"x".getBytes()); ws.send(true,0,0,"\"ping\"}".getBytes()); });
                probe(p, "continuation w/o start", ws -> ws.send(true,0,0,"x".getBytes()));
                probe(p, "text during fragment", ws -> { ws.send(false,0,1,"{".getBytes()); ws.send(true,0,1,"x".getBytes()); });
                probe(p, "ping", ws -> ws.send(true,0,9,"hi".getBytes()));
                probe(p, "pong", ws -> ws.send(true,0,10,"hi".getBytes()));
                probe(p, "big ping", ws -> ws.send(true,0,9,new byte[126]));
                probe(p, "fragmented ping", ws -> ws.send(false,0,9,"hi".getBytes()));
                probe(p, "rsv1", ws -> ws.send(true,4,1,"{}".getBytes()));
                probe(p, "rsv3", ws -> ws.send(true,1,1,"{}".getBytes()));
                probe(p, "opcode 3", ws -> ws.send(true,0,3,"{}".getBytes()));
                probe(p, "opcode 0xB", ws -> ws.send(true,0,0xB,"{}".getBytes()));
                probe(p, "unmasked", ws -> ws.sendRaw(RawWebSocket.encode(true,0,1,"{\"type\":\"ping\"}".getBytes(), false)));
                probe(p, "close 1000", ws -> ws.send(true,0,8,RawWebSocket.closePayload(1000,"bye".getBytes())));
                probe(p, "close empty", ws -> ws.send(true,0,8,new byte[0]));
                probe(p, "close 1byte", ws -> ws.send(true,0,8,new byte[]{3}));
                probe(p, "close 1005", ws -> ws.send(true,0,8,RawWebSocket.closePayload(1005,new byte[0])));
                probe(p, "close 999", ws -> ws.send(true,0,8,RawWebSocket.closePayload(999,new byte[0])));
                probe(p, "close 4999", ws -> ws.send(true,0,8,RawWebSocket.closePayload(4999,new byte[0])));
                probe(p, "close 5000", ws -> ws.send(true,0,8,RawWebSocket.closePayload(5000,new byte[0])));
                probe(p, "close bad utf8", ws -> ws.send(true,0,8,RawWebSocket.closePayload(1000,new byte[]{(byte)0xff})));
                probe(p, "64bit length msb", ws -> ws.sendRaw(new byte[]{(byte)0x81,(byte)0xFF,(byte)0x80,0,0,0,0,0,0,1, 1,2,3,4}));
                probe(p, "64bit length big", ws -> ws.sendRaw(new byte[]{(byte)0x81,(byte)0xFF,0,0,0,1,0,0,0,1, 1,2,3,4}));
                probe(p, "truncated + shutdown", ws -> { byte[] f = RawWebSocket.encode(true,0,1,"{\"type\":\"ping\"}".getBytes(),true); ws.sendRaw(java.util.Arrays.copyOf(f, 8)); ws.shutdownOutput(); });
                probe(p, "nothing + shutdown", ws -> ws.shutdownOutput());
                probe(p, "lone surrogate type", ws -> ws.sendText("{\"type\":\"\\ud800x\"}"));
                probe(p, "lone surrogate unsub", ws -> ws.sendText("{\"type\":\"unsubscribe\",\"serverId\":\"\\udc00\"}"));
                probe(p, "nul unsub", ws -> ws.sendText("{\"type\":\"unsubscribe\",\"serverId\":\"a\\u0000b\"}"));
                probe(p, "nul auth", ws -> ws.sendText("{\"type\":\"auth\",\"token\":\"a\\u0000b\"}"));
                probe(p, "nul subscribe", ws -> { ws.sendText("{\"type\":\"auth\",\"token\":\"" + PanelFixtures.OWNER_TOKEN + "\"}"); ws.sendText("{\"type\":\"subscribe\",\"serverId\":\"a\\u0000b\"}"); });
                probe(p, "surrogate subscribe", ws -> { ws.sendText("{\"type\":\"auth\",\"token\":\"" + PanelFixtures.OWNER_TOKEN + "\"}"); ws.sendText("{\"type\":\"subscribe\",\"serverId\":\"a\\ud800b\"}"); });
                probe(p, "raw control char", ws -> ws.sendText("{\"type\":\"p\u0001ing\"}"));
                probe(p, "nested 4000", ws -> ws.sendText("[".repeat(4000)));
                probe(p, "null", ws -> ws.sendText("null"));
                probe(p, "empty", ws -> ws.sendText(""));
                probe(p, "dup key", ws -> ws.sendText("{\"type\":\"ping\",\"type\":\"ping\"}"));
                probe(p, "bignum", ws -> ws.sendText("{\"type\":\"ping\",\"n\":" + "9".repeat(100) + "}"));
                probe(p, "big exp", ws -> ws.sendText("{\"type\":\"ping\",\"n\":1e999999999}"));
                probe(p, "BOM", ws -> ws.sendText("\ufeff{\"type\":\"ping\"}"));
                probe(p, "garbage random", ws -> { byte[] g = new byte[64]; new java.util.Random(1).nextBytes(g); ws.sendRaw(g); });
                probe(p, "http again", ws -> ws.sendRaw("GET / HTTP/1.1\r\n\r\n".getBytes()));
            }
        }
    }
}
