package org.referralmonitor.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class NpiTest {

    @Test
    void acceptsKnownValidNpis() {
        // Examples from CMS's NPI check digit documentation and NPPES.
        assertThat(Npi.isValid("1234567893")).isTrue();
        assertThat(Npi.isValid("1245319599")).isTrue();
    }

    @Test
    void rejectsWrongCheckDigitLengthAndNonDigits() {
        assertThat(Npi.isValid("1234567890")).isFalse();
        assertThat(Npi.isValid("123456789")).isFalse();
        assertThat(Npi.isValid("12345678931")).isFalse();
        assertThat(Npi.isValid("12345678a3")).isFalse();
        assertThat(Npi.isValid(null)).isFalse();
    }

    @Test
    void withCheckDigitRejectsBadBodies() {
        assertThatThrownBy(() -> Npi.withCheckDigit("12345")).hasMessageContaining("9 digits");
    }

    @Property
    void generatedNpisAreValid(@ForAll @NumericChars @StringLength(9) String body) {
        assertThat(Npi.isValid(Npi.withCheckDigit(body))).isTrue();
    }

    @Property
    void anySingleDigitChangeIsDetected(@ForAll @NumericChars @StringLength(9) String body,
            @ForAll @IntRange(min = 0, max = 9) int position, @ForAll @IntRange(min = 1, max = 9) int delta) {
        String npi = Npi.withCheckDigit(body);
        char[] chars = npi.toCharArray();
        chars[position] = (char) ('0' + (chars[position] - '0' + delta) % 10);
        assertThat(Npi.isValid(new String(chars))).isFalse();
    }
}
