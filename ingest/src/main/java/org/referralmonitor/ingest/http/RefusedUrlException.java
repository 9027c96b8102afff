package org.referralmonitor.ingest.http;

/** A URL the monitor will not request: not a usable URL, or on another host than the endpoint. */
public class RefusedUrlException extends Exception {

    public RefusedUrlException(String message) {
        super(message);
    }
}
