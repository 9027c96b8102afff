package org.referralmonitor.app.web;

import jakarta.servlet.http.HttpServletRequest;
import org.referralmonitor.app.security.Roles;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What the signed-in user may do, for every dashboard page: the templates show a control only to
 * those SecurityConfiguration lets use it.
 */
@ControllerAdvice(basePackageClasses = RoleModel.class)
class RoleModel {

    private final IngestProperties ingest;

    RoleModel(IngestProperties ingest) {
        this.ingest = ingest;
    }

    /** Who is signed in, for the page's header; null on pages seen signed out. */
    @ModelAttribute("signedInAs")
    String signedInAs(HttpServletRequest request) {
        return request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName();
    }

    /** Which secrets administrators may name in the forms (referral-monitor.ingest.entered-secrets). */
    @ModelAttribute("secretsAllowed")
    String secretsAllowed() {
        return ingest.enteredSecrets().describe();
    }

    /** Connects and tests endpoints. */
    @ModelAttribute("admin")
    boolean admin(HttpServletRequest request) {
        return request.isUserInRole(Roles.ADMIN);
    }

    /** Recomputes months and fixes baselines (administrators and practice managers). */
    @ModelAttribute("manager")
    boolean manager(HttpServletRequest request) {
        return request.isUserInRole(Roles.ADMIN) || request.isUserInRole(Roles.MANAGER);
    }

    /** Logs outreach and sets cadences (administrators and coordinators). */
    @ModelAttribute("coordinator")
    boolean coordinator(HttpServletRequest request) {
        return request.isUserInRole(Roles.ADMIN) || request.isUserInRole(Roles.COORDINATOR);
    }
}
