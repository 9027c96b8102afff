package org.referralmonitor.ingest.sync;

/** No endpoint with that id. */
public class UnknownEndpointException extends RuntimeException {

    public UnknownEndpointException(String endpointId) {
        super("No EMR endpoint with id '" + endpointId + "'");
    }
}
