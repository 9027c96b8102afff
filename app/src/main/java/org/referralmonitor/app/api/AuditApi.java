package org.referralmonitor.app.api;

import jakarta.servlet.http.HttpServletRequest;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.audit.AuditEvent;
import org.referralmonitor.app.audit.AuditLog;
import org.referralmonitor.app.audit.LockedName;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit trail, for administrators: who changed what, who signed in, who failed to. */
@RestController
@RequestMapping("/api/v1/audit")
class AuditApi {

    private final AuditLog audit;
    private final AppProperties.SignInLockout lockout;

    AuditApi(AuditLog audit, AppProperties app) {
        this.audit = audit;
        this.lockout = app.signInLockout();
    }

    /** Events newest first: of one user, from a day on (UTC), at most {@code limit} (default 200, at most 1000). */
    @GetMapping
    List<AuditEvent> find(@RequestParam(required = false) String user, @RequestParam(required = false) String since,
            @RequestParam(defaultValue = "200") int limit) {
        if (limit < 1 || limit > AuditLog.MAX_LIMIT) {
            throw new InvalidRequestException("limit must be between 1 and " + AuditLog.MAX_LIMIT + "; got " + limit);
        }
        var day = RequestParams.day("since", since);
        return audit.find(user == null || user.isBlank() ? null : user.strip(),
                day == null ? null : day.atTime(LocalTime.MIDNIGHT).atOffset(ZoneOffset.UTC), limit);
    }

    /** The names locked now after failed sign-ins (referral-monitor.app.sign-in-lockout), newest failure first. */
    @GetMapping("/locks")
    List<LockedName> locks() {
        return audit.lockedNames(lockout);
    }

    /** Lifts a name's lock (recorded as UNLOCKED, by whom); 404 when the name is not locked. */
    @DeleteMapping("/locks/{name}")
    ResponseEntity<Void> unlock(@PathVariable String name, Authentication who, HttpServletRequest request) {
        if (!audit.unlock(name, who.getName(), request.getRemoteAddr(), lockout)) {
            throw new NotFoundException("the name '" + AuditLog.printable(name) + "' is not locked");
        }
        return ResponseEntity.noContent().build();
    }
}
