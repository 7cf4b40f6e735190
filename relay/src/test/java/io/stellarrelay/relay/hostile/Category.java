package io.stellarrelay.relay.hostile;

import static io.stellarrelay.relay.support.RawWebSocket.BINARY;

/** What a hostile frame attacks; each category is sent with its own weight (see {@link Generator}). */
enum Category {
    INVALID_UTF8, BINARY, OVERSIZED, NESTED_JSON, HUGE_JSON, NOT_JSON, NOT_AN_OBJECT, WRONG_TYPES,
    ODD_STRINGS, LONG_SERVER_ID, INJECTION_SERVER_ID, UNKNOWN_TYPE, SUBSCRIPTION_FLOOD, AUTH_FLOOD,
    FRAGMENTED, CONTROL_FRAMES, CLOSE_FRAMES, RESERVED_BITS_AND_OPCODES, UNMASKED, GARBAGE, TRUNCATED
}
