package org.referralmonitor.app.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.referralmonitor.app.notify.NotificationChannel;
import org.referralmonitor.app.notify.NotificationChannels;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a user limited to some clinics ({@link ClinicAccess}) what belongs to another: the
 * clinic's pages and API ({@code /clinics/{id}}, {@code /api/v1/clinics/{clinic}}), its endpoints
 * ({@code /endpoints/{id}}, {@code /api/v1/endpoints/{id}}), alerts and notification channels by
 * id, and anything asked with {@code clinic=}. The API's lists that span clinics (alerts, channels,
 * monthly jobs) need {@code clinic=} from such a user. 403 with what was refused; unknown ids are
 * left to the handlers (404). Runs inside Spring MVC, after the audit filter, which so records a
 * refused change with its 403.
 */
@Component
class ClinicAccessInterceptor implements HandlerInterceptor {

    private static final Pattern CLINIC = Pattern.compile("^/(?:api/v1/)?clinics/([^/]+)");
    private static final Pattern ENDPOINT = Pattern.compile("^/(?:api/v1/)?endpoints/([^/]+)");
    private static final Pattern ALERT = Pattern.compile("^/(?:api/v1/|clinics/[^/]+/)alerts/(\\d+)");
    private static final Pattern CHANNEL = Pattern.compile("^/api/v1/notification-channels/([^/]+)");
    /** API lists that span every clinic unless asked for one. */
    private static final Set<String> SPANNING = Set.of("/api/v1/alerts", "/api/v1/notification-channels",
            "/api/v1/jobs/monthly-metrics");

    private final EndpointDirectory directory;
    private final Alerts alerts;
    private final NotificationChannels channels;

    ClinicAccessInterceptor(EndpointDirectory directory, Alerts alerts, NotificationChannels channels) {
        this.directory = directory;
        this.alerts = alerts;
        this.channels = channels;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        Authentication user = SecurityContextHolder.getContext().getAuthentication();
        Optional<Set<String>> limited = ClinicAccess.limitedTo(user);
        if (limited.isEmpty()) {
            return true;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String asked = request.getParameter("clinic");
        if (asked == null && SPANNING.contains(path)) {
            return refuse(request, response, "say which clinic (clinic=" + String.join(" or clinic=",
                    limited.get().stream().sorted().toList()) + "): you see only your clinics");
        }
        for (String clinic : clinics(path, asked)) {
            if (!limited.get().contains(clinic)) {
                return refuse(request, response, "clinic '" + clinic + "' is not one of yours");
            }
        }
        return true;
    }

    /** The clinics the request is about: named in its path or parameters, or owning what its path names. */
    private List<String> clinics(String path, String asked) {
        List<String> clinics = new ArrayList<>();
        if (asked != null) {
            clinics.add(asked);
        }
        group(CLINIC, path).ifPresent(clinics::add);
        group(ENDPOINT, path).filter(id -> !id.equals("new")).flatMap(directory::endpoint).map(EmrEndpoint::clinicId)
                .ifPresent(clinics::add);
        group(ALERT, path).map(Long::parseLong).flatMap(alerts::find).map(Alert::clinicId).ifPresent(clinics::add);
        group(CHANNEL, path).flatMap(channels::find).map(NotificationChannel::clinicId).ifPresent(clinics::add);
        return clinics;
    }

    private static Optional<String> group(Pattern pattern, String path) {
        Matcher m = pattern.matcher(path);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static boolean refuse(HttpServletRequest request, HttpServletResponse response, String why)
            throws IOException {
        if (request.getRequestURI().startsWith(request.getContextPath() + "/api/")) {
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403,\"detail\":\""
                    + why.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
        } else {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, why);
        }
        return false;
    }
}
