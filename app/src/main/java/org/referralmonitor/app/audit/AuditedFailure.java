package org.referralmonitor.app.audit;

/**
 * A refused sign-in that says whether the audit trail records it: a locked name's refusals are
 * recorded once per lock, so that refusals, which cost no password check, cannot flood the trail.
 */
public interface AuditedFailure {

    boolean worthRecording();
}
