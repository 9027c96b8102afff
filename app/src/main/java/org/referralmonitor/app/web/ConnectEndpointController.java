package org.referralmonitor.app.web;

import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.app.api.NotFoundException;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.capability.ConnectionCheck;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Administrators connect an EMR endpoint from the dashboard, as {@code POST /api/v1/endpoints}
 * does: "Test connection" shows what the server declares without saving anything; "Connect" tests
 * first and keeps the form, with the server's refusals, when the server does not support it.
 * Only administrators reach these routes (see SecurityConfiguration).
 */
@Controller
class ConnectEndpointController {

    /** An endpoint that was just tested from its feed panel, and what the test found. */
    record TestedEndpoint(String id, String name, ConnectionSummary summary) {
    }

    private record Tested(EmrEndpoint endpoint, ConnectionCheck.Report report) {
    }

    private final EndpointDirectory directory;
    private final ConnectionCheck check;
    private final IngestProperties ingest;

    ConnectEndpointController(EndpointDirectory directory, ConnectionCheck check, IngestProperties ingest) {
        this.directory = directory;
        this.check = check;
        this.ingest = ingest;
    }

    @GetMapping("/endpoints/new")
    String newEndpoint(@RequestParam(required = false) String clinic, Model model) {
        return form(EndpointForm.empty(clinic), model);
    }

    @PostMapping(path = "/endpoints", params = "test")
    String test(EndpointForm form, Model model) {
        try {
            model.addAttribute("check", ConnectionSummary.of(checkForm(form).report()));
        } catch (InvalidRequestException e) {
            model.addAttribute("error", e.getMessage());
        }
        return form(form, model);
    }

    @PostMapping(path = "/endpoints", params = "connect")
    String connect(EndpointForm form, Model model, RedirectAttributes redirect) {
        try {
            Tested tested = checkForm(form);
            if (!tested.report().ok()) {
                model.addAttribute("error", "Not connected: the server at " + tested.endpoint().baseUrl()
                        + " does not support these settings. Change what it refuses and try again.");
                model.addAttribute("check", ConnectionSummary.of(tested.report()));
                return form(form, model);
            }
            EmrEndpoint saved = register(tested.endpoint(), form.toRequest().clinicToCreate());
            check.remember(saved.id(), tested.report());
            redirect.addFlashAttribute("message", "Connected " + saved.name() + " (" + saved.id() + "). It syncs "
                    + ("-".equals(saved.schedule()) ? "when asked (Sync now)." : "on its schedule, or now with Sync now."));
            return "redirect:/clinics/" + saved.clinicId();
        } catch (InvalidRequestException e) {
            model.addAttribute("error", e.getMessage());
            return form(form, model);
        }
    }

    /** "Test connection" of a connected endpoint, from its clinic's feed panel. */
    @PostMapping("/endpoints/{id}/test")
    String testEndpoint(@PathVariable String id, RedirectAttributes redirect) {
        EmrEndpoint endpoint = directory.endpoint(id)
                .orElseThrow(() -> new NotFoundException("No EMR endpoint with id '" + id + "'"));
        ConnectionSummary summary;
        try {
            summary = ConnectionSummary.of(check.check(endpoint));
        } catch (ConnectionCheck.UnreachableException | IllegalStateException e) {
            summary = ConnectionSummary.unreachable(e.getMessage());
        }
        redirect.addFlashAttribute("tested", new TestedEndpoint(endpoint.id(), endpoint.name(), summary));
        return "redirect:/clinics/" + endpoint.clinicId() + "#feeds";
    }

    private String form(EndpointForm form, Model model) {
        model.addAttribute("form", form);
        model.addAttribute("clinics", directory.clinics());
        model.addAttribute("defaultSchedule", ingest.defaultSchedule());
        model.addAttribute("reconcileDays", ingest.pull().reconcileDays());
        model.addAttribute("defaultConcurrency", Connection.DEFAULT.concurrency());
        return "endpoint-form";
    }

    /** The form as an endpoint, tested against its server; what cannot be used comes back as the exception's message. */
    private Tested checkForm(EndpointForm form) {
        EmrEndpoint endpoint = form.toRequest().toEndpoint(ingest.defaultSchedule());
        directory.endpoint(endpoint.id()).filter(e -> !EndpointDirectory.ORIGIN_API.equals(e.origin()))
                .ifPresent(e -> {
                    throw new InvalidRequestException("The id '" + e.id() + "' is taken by an endpoint defined by "
                            + e.origin().toLowerCase() + "; choose another id.");
                });
        try {
            directory.checkEnteredSecrets(endpoint);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        try {
            return new Tested(endpoint, check.check(endpoint));
        } catch (ConnectionCheck.UnreachableException | IllegalStateException e) {
            throw new InvalidRequestException("Cannot test the connection to " + endpoint.baseUrl() + ": "
                    + e.getMessage());
        }
    }

    private EmrEndpoint register(EmrEndpoint endpoint, org.referralmonitor.ingest.endpoint.Clinic clinic) {
        try {
            return directory.register(endpoint, clinic);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Not connected: " + e.getMessage());
        }
    }
}
