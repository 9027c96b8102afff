package org.referralmonitor.app.notify;

/** A message that did not go out, and why in words an administrator can act on (never a secret). */
public class SendFailedException extends Exception {

    public SendFailedException(String message) {
        super(message);
    }
}
