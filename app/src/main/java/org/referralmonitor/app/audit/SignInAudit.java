package org.referralmonitor.app.audit;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationFailureLockedEvent;
import org.springframework.security.authentication.event.AuthenticationFailureServiceExceptionEvent;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;
import org.springframework.security.authentication.event.LogoutSuccessEvent;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authorization.event.AuthorizationDeniedEvent;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Records sign-ins to and sign-outs from the dashboard, every failed sign-in (dashboard or API), every sign-in refused
 * because its name was locked after failed ones (SIGN_IN_LOCKED), and every request a
 * signed-in user was refused for their role (DENIED, with the method) in the audit trail. Successful
 * API calls, each signed in anew over HTTP Basic, are not sign-ins here: their changes are recorded
 * by {@link AuditFilter}. Requests refused to someone not signed in (sent to the sign-in page, or 401)
 * are not recorded: they say nothing about anyone.
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

    /** Signing out of the dashboard (the API keeps no session to sign out of). */
    @EventListener
    void signedOut(LogoutSuccessEvent event) {
        record(event.getAuthentication(), "SIGN_OUT");
    }

    /**
     * A wrong name or password; or a name locked after too many of those (once per lock), which does
     * not count as another.
     */
    @EventListener
    void failed(AbstractAuthenticationFailureEvent event) {
        if (event.getException() instanceof AuditedFailure f && !f.worthRecording()) {
            return;
        }
        record(event.getAuthentication(), event instanceof AuthenticationFailureLockedEvent ? "SIGN_IN_LOCKED"
                // the monitor failed (no password was checked): not a guess, not counted towards a lock
                : event instanceof AuthenticationFailureServiceExceptionEvent ? "SIGN_IN_ERROR" : "SIGN_IN_FAILED");
    }

    @EventListener
    void denied(AuthorizationDeniedEvent<?> event) {
        Authentication who = event.getAuthentication().get();
        if (who == null || who instanceof AnonymousAuthenticationToken || !who.isAuthenticated()) {
            return;
        }
        HttpServletRequest request = event.getObject() instanceof HttpServletRequest r ? r : currentRequest();
        record(who, "DENIED", request, request == null ? null : "method=" + request.getMethod(),
                HttpServletResponse.SC_FORBIDDEN);
    }

    private void record(Authentication authentication, String action) {
        record(authentication, action, currentRequest(), null, null);
    }

    private static HttpServletRequest currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes a ? a.getRequest() : null;
    }

    private void record(Authentication authentication, String action, HttpServletRequest request, String parameters,
            Integer status) {
        try {
            audit.record(authentication.getName(), action,
                    request == null ? null : AuditFilter.path(request),
                    parameters, status, request == null ? null : request.getRemoteAddr());
        } catch (RuntimeException e) {
            log.error("Could not record {} of {} in the audit trail: {}", action,
                    AuditLog.printable(authentication.getName()), e.getMessage());
        }
    }
}
