package org.referralmonitor.metrics.outreach;

/** Outreach or a cadence that cannot be kept as given; the message says what and why. */
public class InvalidOutreachException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    InvalidOutreachException(String message) {
        super(message);
    }
}
