package org.referralmonitor.app.audit;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Records sign-ins to the dashboard and every failed sign-in (dashboard or API) in the audit trail.
 * Successful API calls, each signed in anew over HTTP Basic, are not sign-ins here: their changes are
 * recorded by {@link AuditFilter}.
 */
@Component
class SignInAudit {

    private static final Logger log = LoggerFactory.getLogger(SignInAudit.class);

    private final AuditLog audit;

    SignInAudit(AuditLog audit) {
        this.audit = audit;
    }

    @EventListener
    void signedIn(InteractiveAuthenticationSuccessEvent event) {
        record(event.getAuthentication(), "SIGN_IN");
    }

    @EventListener
    void failed(AbstractAuthenticationFailureEvent event) {
        record(event.getAuthentication(), "SIGN_IN_FAILED");
    }

    private void record(Authentication authentication, String action) {
        HttpServletRequest request = RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes a
                ? a.getRequest() : null;
        try {
            audit.record(authentication.getName(), action,
                    request == null ? null : request.getRequestURI().substring(request.getContextPath().length()),
                    null, null, request == null ? null : request.getRemoteAddr());
        } catch (RuntimeException e) {
            log.error("Could not record {} of {} in the audit trail: {}", action,
                    AuditLog.printable(authentication.getName()), e.getMessage());
        }
    }
}
