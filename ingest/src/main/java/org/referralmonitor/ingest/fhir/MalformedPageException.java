package org.referralmonitor.ingest.fhir;

/** A search page that is not a readable FHIR Bundle as a whole. The page is retried, never skipped. */
public class MalformedPageException extends Exception {

    public MalformedPageException(String message) {
        super(message);
    }

    public MalformedPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
