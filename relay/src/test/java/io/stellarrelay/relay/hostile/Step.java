package io.stellarrelay.relay.hostile;

/** Bytes written in one go (one or more frames) and what they should get. */
record Step(Category category, byte[] wire, int frames, Expect expect, String label, boolean halfClose) {}
