package org.referralmonitor.profiles;

/**
 * National Provider Identifier (US): 10 digits whose last digit is a Luhn check digit computed
 * over the 9 leading digits prefixed with the card issuer prefix 80840.
 */
public final class Npi {

    /** The FHIR identifier system for NPIs. */
    public static final String SYSTEM = "http://hl7.org/fhir/sid/us-npi";

    private static final String PREFIX = "80840";

    private Npi() {
    }

    /** True when the value is exactly 10 digits and its check digit is right. */
    public static boolean isValid(String value) {
        if (value == null || value.length() != 10) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return checkDigit(value.substring(0, 9)) == value.charAt(9) - '0';
    }

    /** Appends the check digit to 9 leading digits, giving a valid NPI. */
    public static String withCheckDigit(String nineDigits) {
        if (nineDigits == null || !nineDigits.matches("\\d{9}")) {
            throw new IllegalArgumentException("An NPI body is 9 digits, got '" + nineDigits + "'");
        }
        return nineDigits + checkDigit(nineDigits);
    }

    private static int checkDigit(String nineDigits) {
        String digits = PREFIX + nineDigits;
        int sum = 0;
        // Luhn: from the rightmost digit of the payload, double every other digit starting with it.
        boolean doubleIt = true;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (doubleIt) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return (10 - sum % 10) % 10;
    }
}
