package io.stellarrelay.protocol;

import java.math.BigDecimal;

/**
 * Formats doubles the way JavaScript's {@code JSON.stringify} does, so payloads stay byte-compatible
 * with the panel's Node implementation: {@code 100} not {@code 100.0}, {@code 12345678.5} not
 * {@code 1.23456785E7}, {@code 1e-7} not {@code 1.0E-7}, and {@code null} for NaN and infinities.
 */
public final class JsNumbers {
    private JsNumbers() {}

    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == 0) {
            return "0"; // JavaScript prints -0 as 0 too
        }
        double magnitude = Math.abs(value);
        if (value == Math.rint(value) && magnitude < 9.0e15) {
            return Long.toString((long) value);
        }
        // Java and JavaScript both print the shortest digits that round-trip; they differ only in when
        // they switch to exponent notation and how they spell it.
        String shortest = Double.toString(value);
        if (magnitude >= 1e-6 && magnitude < 1e21) {
            return new BigDecimal(shortest).stripTrailingZeros().toPlainString();
        }
        // Double.toString keeps at least two digits (4.9E-324); JavaScript keeps only what round-trips (5e-324).
        for (int digits = 1; digits < 17; digits++) {
            String candidate = String.format(java.util.Locale.ROOT, "%." + (digits - 1) + "E", value);
            if (Double.parseDouble(candidate) == value) {
                shortest = candidate;
                break;
            }
        }
        int e = shortest.indexOf('E');
        String mantissa = shortest.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        String exponent = Integer.toString(Integer.parseInt(shortest.substring(e + 1).replace("+", "")));
        return mantissa + "e" + (exponent.startsWith("-") ? exponent : "+" + exponent);
    }
}
