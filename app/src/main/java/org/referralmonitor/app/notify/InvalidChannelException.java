package org.referralmonitor.app.notify;

/** A channel that cannot be kept as asked, with what is wrong and where. */
public class InvalidChannelException extends RuntimeException {

    public InvalidChannelException(String message) {
        super(message);
    }
}
