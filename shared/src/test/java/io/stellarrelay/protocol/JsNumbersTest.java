package io.stellarrelay.protocol;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected strings were checked against Node: {@code node -e 'console.log(JSON.stringify(x))'}. */
@DisplayName("JsNumbers.format")
class JsNumbersTest {

    @ParameterizedTest(name = "{0} is written as {1}")
    @DisplayName("writes numbers exactly as JavaScript's JSON.stringify does")
    @CsvSource({
            "100,                 100",
            "100.0,               100",
            "-0.0,                0",
            "0.0,                 0",
            "150.5,               150.5",
            "-1.5,                -1.5",
            "0.1,                 0.1",
            "0.30000000000000004, 0.30000000000000004",
            "12345678.5,          12345678.5",
            "123456789012,        123456789012",
            "9007199254740992,    9007199254740992",
            "1e20,                100000000000000000000",
            "1.2345678901234568e20, 123456789012345680000",
            "1e21,                1e+21",
            "1.25e25,             1.25e+25",
            "1.7976931348623157e308, 1.7976931348623157e+308",
            "0.000001,            0.000001",
            "0.0000015,           0.0000015",
            "1e-7,                1e-7",
            "-1e-7,               -1e-7",
            "1.5e-7,              1.5e-7",
            "1.23e-18,            1.23e-18",
    })
    void writesLikeJavaScript(double value, String expected) {
        assertEquals(expected, JsNumbers.format(value));
    }

    @Test
    @DisplayName("writes a whole number without a fraction, so 100.0 becomes 100 and not 100.0")
    void dropsTheFractionOfWholeNumbers() {
        assertEquals("100", JsNumbers.format(100.0));
        assertEquals("-42", JsNumbers.format(-42.0));
    }

    @Test
    @DisplayName("writes negative zero as 0, as JavaScript does")
    void writesNegativeZeroAsZero() {
        assertEquals("0", JsNumbers.format(-0.0));
    }

    @ParameterizedTest(name = "{0} is written as null")
    @DisplayName("writes NaN and the infinities as null, as JSON.stringify does")
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void writesNonFiniteValuesAsNull(double value) {
        assertEquals("null", JsNumbers.format(value));
    }

    @Test
    @DisplayName("switches to exponent notation exactly where JavaScript does: below 1e-6 and from 1e21")
    void switchesToExponentNotationAtJavaScriptsThresholds() {
        assertEquals("0.000001", JsNumbers.format(1e-6));
        assertEquals("9.99e-7", JsNumbers.format(9.99e-7));
        assertEquals("999999999999999900000", JsNumbers.format(999999999999999900000.0));
        assertEquals("1e+21", JsNumbers.format(1e21));
    }

    @Test
    @DisplayName("writes the smallest subnormal doubles with the shortest digits, as JavaScript does")
    void writesSubnormalsWithTheShortestDigits() {
        assertEquals("5e-324", JsNumbers.format(Double.MIN_VALUE));
        assertEquals("1e-323", JsNumbers.format(2 * Double.MIN_VALUE));
    }
}
