package org.referralmonitor.app.health;

import java.util.LinkedHashMap;
import java.util.Map;
import org.referralmonitor.app.notify.ChannelStatus;
import org.referralmonitor.app.notify.NotificationChannels;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "notifications": each enabled channel's health (OK, FAILING,
 * IDLE) with what is pending or failed and the last error. Always UP: a mail server that is down
 * must not take the monitor out of a load balancer; the failing channels are named instead.
 */
@Component("notifications")
class NotificationsHealthIndicator implements HealthIndicator {

    private final NotificationChannels channels;

    NotificationsHealthIndicator(NotificationChannels channels) {
        this.channels = channels;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        int failing = 0;
        for (ChannelStatus s : channels.statuses(null)) {
            if (!s.channel().enabled()) {
                continue;
            }
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("health", s.health());
            one.put("pending", s.pending());
            one.put("failed", s.failed());
            one.put("lastSentAt", s.lastSentAt() == null ? null : s.lastSentAt().toString());
            if (s.lastError() != null) {
                one.put("lastError", s.lastError());
            }
            details.put(s.channel().id(), one);
            if ("FAILING".equals(s.health())) {
                failing++;
            }
        }
        details.put("failing", failing);
        return Health.up().withDetails(details).build();
    }
}
