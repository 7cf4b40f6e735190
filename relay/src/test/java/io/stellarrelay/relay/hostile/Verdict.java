package io.stellarrelay.relay.hostile;

/** A frame's outcome against its expectation: as expected, documented but wrong, or undocumented. */
enum Verdict { EXPECTED, DEVIATION, UNDOCUMENTED }
