package org.referralmonitor.app.web;

import java.util.Arrays;
import java.util.List;
import org.referralmonitor.app.api.NotFoundException;
import org.referralmonitor.app.api.RequestParams;
import org.referralmonitor.app.notify.InvalidChannelException;
import org.referralmonitor.app.notify.NotificationChannel;
import org.referralmonitor.app.notify.NotificationChannels;
import org.referralmonitor.app.notify.NotificationDispatcher;
import org.referralmonitor.app.notify.SendFailedException;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * What administrators do from a clinic's "Notifications" section: add an e-mail or webhook channel,
 * send a test, retry what failed, remove a channel kept here. Who may post here is decided in
 * SecurityConfiguration.
 */
@Controller
class NotificationsController {

    private final EndpointDirectory directory;
    private final NotificationChannels channels;
    private final NotificationDispatcher dispatcher;

    NotificationsController(EndpointDirectory directory, NotificationChannels channels,
            NotificationDispatcher dispatcher) {
        this.directory = directory;
        this.channels = channels;
        this.dispatcher = dispatcher;
    }

    @PostMapping("/clinics/{id}/notifications")
    String add(@PathVariable String id, @RequestParam(required = false) String channelId,
            @RequestParam(required = false) String kind, @RequestParam(required = false) String to,
            @RequestParam(required = false) String urlRef, @RequestParam(defaultValue = "false") boolean sourceAlerts,
            @RequestParam(defaultValue = "false") boolean feedAlerts,
            @RequestParam(defaultValue = "false") boolean outreachDigest,
            @RequestParam(defaultValue = "false") boolean monthlySummary, RedirectAttributes redirect) {
        Clinic clinic = RequestParams.clinic(directory, id);
        String channel = channelId == null ? "" : channelId.strip();
        try {
            if (channels.find(channel).isPresent()) {
                throw new InvalidChannelException("a channel '" + channel + "' exists already; choose another id");
            }
            channels.save(new NotificationChannel(channel, clinic.id(), kind, addresses(to), urlRef, sourceAlerts,
                    feedAlerts, outreachDigest, monthlySummary, true, NotificationChannels.ORIGIN_API, null));
            redirect.addFlashAttribute("message", "Channel " + channel + " added. Send a test to check it.");
        } catch (InvalidChannelException e) {
            redirect.addFlashAttribute("error", "Channel not added: " + e.getMessage());
        }
        return back(clinic);
    }

    @PostMapping("/clinics/{id}/notifications/{channel}/test")
    String test(@PathVariable String id, @PathVariable String channel, RedirectAttributes redirect) {
        Clinic clinic = RequestParams.clinic(directory, id);
        ownChannel(clinic, channel);
        try {
            dispatcher.test(channel);
            redirect.addFlashAttribute("message", "Test message sent to " + channel + ".");
        } catch (SendFailedException e) {
            redirect.addFlashAttribute("error", "Test message to " + channel + " not sent: " + e.getMessage());
        }
        return back(clinic);
    }

    @PostMapping("/clinics/{id}/notifications/{channel}/retry")
    String retry(@PathVariable String id, @PathVariable String channel, RedirectAttributes redirect) {
        Clinic clinic = RequestParams.clinic(directory, id);
        ownChannel(clinic, channel);
        int requeued = dispatcher.retryFailed(channel);
        redirect.addFlashAttribute("message", requeued + " failed message part(s) of " + channel
                + " will be sent again at the next dispatch.");
        return back(clinic);
    }

    @PostMapping("/clinics/{id}/notifications/{channel}/delete")
    String delete(@PathVariable String id, @PathVariable String channel, RedirectAttributes redirect) {
        Clinic clinic = RequestParams.clinic(directory, id);
        ownChannel(clinic, channel);
        try {
            channels.delete(channel);
            redirect.addFlashAttribute("message", "Channel " + channel + " removed.");
        } catch (InvalidChannelException e) {
            redirect.addFlashAttribute("error", "Channel not removed: " + e.getMessage());
        }
        return back(clinic);
    }

    /** Addresses typed into one field, separated by commas, semicolons or spaces. */
    static List<String> addresses(String to) {
        return to == null ? List.of() : Arrays.stream(to.split("[,;\\s]+")).filter(s -> !s.isBlank()).toList();
    }

    private void ownChannel(Clinic clinic, String channel) {
        channels.find(channel).filter(c -> c.clinicId().equals(clinic.id())).orElseThrow(
                () -> new NotFoundException("No notification channel '" + channel + "' at "
                        + clinic.name()));
    }

    private static String back(Clinic clinic) {
        return "redirect:/clinics/" + clinic.id() + "#notifications";
    }
}
