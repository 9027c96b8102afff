package org.referralmonitor.profiles.conformance;

/** Input that is not JSON, with where it breaks. */
public class InvalidJsonException extends RuntimeException {

    private final long line;
    private final long column;

    public InvalidJsonException(String message, long line, long column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    public long line() {
        return line;
    }

    public long column() {
        return column;
    }
}
