package org.referralmonitor.app.web;

import org.referralmonitor.app.audit.AuditLog;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The audit trail page, for administrators: the newest events, or one user's. */
@Controller
class AuditController {

    private static final int SHOWN = 200;

    private final AuditLog audit;

    AuditController(AuditLog audit) {
        this.audit = audit;
    }

    @GetMapping("/audit")
    String audit(@RequestParam(required = false) String user, Model model) {
        String who = user == null || user.isBlank() ? null : user.strip();
        model.addAttribute("user", who);
        model.addAttribute("events", audit.find(who, null, SHOWN));
        model.addAttribute("shown", SHOWN);
        return "audit";
    }
}
