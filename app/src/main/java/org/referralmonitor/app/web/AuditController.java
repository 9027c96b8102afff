package org.referralmonitor.app.web;

import jakarta.servlet.http.HttpServletRequest;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.audit.AuditLog;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The audit trail page, for administrators: the newest events, or one user's; the names locked now
 * after failed sign-ins, each with a button that lifts its lock.
 */
@Controller
class AuditController {

    private static final int SHOWN = 200;

    private final AuditLog audit;
    private final AppProperties.SignInLockout lockout;

    AuditController(AuditLog audit, AppProperties app) {
        this.audit = audit;
        this.lockout = app.signInLockout();
    }

    @GetMapping("/audit")
    String audit(@RequestParam(required = false) String user, Model model) {
        String who = user == null || user.isBlank() ? null : user.strip();
        model.addAttribute("user", who);
        model.addAttribute("events", audit.find(who, null, SHOWN));
        model.addAttribute("shown", SHOWN);
        model.addAttribute("locked", audit.lockedNames(lockout));
        model.addAttribute("lockout", lockout);
        return "audit";
    }

    @PostMapping("/audit/unlock")
    String unlock(@RequestParam String name, Authentication who, HttpServletRequest request,
            RedirectAttributes redirect) {
        if (audit.unlock(name, who.getName(), request.getRemoteAddr(), lockout)) {
            redirect.addFlashAttribute("message", "Unlocked " + AuditLog.printable(name) + ": it can sign in again.");
        } else {
            redirect.addFlashAttribute("message", AuditLog.printable(name) + " is not locked.");
        }
        return "redirect:/audit";
    }
}
