package org.referralmonitor.app.audit;

import org.referralmonitor.app.AppProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes audit events older than {@code referral-monitor.app.audit-retention}, once a day (and an hour after start). */
@Component
class AuditRetention {

    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);

    private final AuditLog audit;
    private final AppProperties app;

    AuditRetention(AuditLog audit, AppProperties app) {
        this.audit = audit;
        this.app = app;
    }

    @Scheduled(fixedDelayString = "PT24H", initialDelayString = "PT1H")
    void purge() {
        int deleted = audit.purge(app.auditRetention());
        if (deleted > 0) {
            log.info("Audit trail: {} event(s) older than {} deleted", deleted, app.auditRetention());
        }
    }
}
