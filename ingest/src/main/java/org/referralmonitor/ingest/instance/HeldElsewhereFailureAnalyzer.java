package org.referralmonitor.ingest.instance;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * "APPLICATION FAILED TO START" in words when another process holds the database, instead of a bean
 * creation stack trace (registered in META-INF/spring.factories).
 */
class HeldElsewhereFailureAnalyzer extends AbstractFailureAnalyzer<InstanceLease.HeldElsewhereException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InstanceLease.HeldElsewhereException cause) {
        return new FailureAnalysis(cause.getMessage(), "Stop the other referral-monitor process, or point this one "
                + "at another database (spring.datasource.url). To wait longer for a process that is stopping, raise "
                + "referral-monitor.ingest.instance.startup-wait.", cause);
    }
}
