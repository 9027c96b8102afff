package org.referralmonitor.app.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
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
import org.springframework.web.servlet.HandlerMapping;

/**
 * Refuses a user limited to some clinics ({@link ClinicAccess}) what belongs to another: the
 * clinic's pages and API ({@code /clinics/{id}}, {@code /api/v1/clinics/{clinic}}), its endpoints
 * ({@code /endpoints/{id}}, {@code /api/v1/endpoints/{id}}), alerts and notification channels by
 * id, and anything asked with {@code clinic=}. The API's lists that span clinics (alerts, channels,
 * monthly jobs) need {@code clinic=} from such a user. Decided from the route Spring MVC matched and
 * its decoded variables, never from the raw path (which an encoded letter would slip past); an id
 * that names nothing, or not as digits, is refused too (fails closed). 403 with what was refused.
 * Runs inside Spring MVC, after the audit filter, which so records a refused change with its 403.
 */
@Component
class ClinicAccessInterceptor implements HandlerInterceptor {

    private static final Pattern DIGITS = Pattern.compile("\\d{1,18}");
    /** API lists that span every clinic unless asked for one: their routes. */
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
        String route = (String) request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        @SuppressWarnings("unchecked")
        Map<String, String> variables = (Map<String, String>) request.getAttribute(
                HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        route = route == null ? "" : route;
        variables = variables == null ? Map.of() : variables;
        String asked = request.getParameter("clinic");
        if (asked == null && SPANNING.contains(route)) {
            return refuse(request, response, "say which clinic (clinic=" + String.join(" or clinic=",
                    limited.get().stream().sorted().toList()) + "): you see only your clinics");
        }
        List<String> clinics = new ArrayList<>();
        if (asked != null) {
            clinics.add(asked);
        }
        try {
            clinics.addAll(clinics(route, variables));
        } catch (NoSuchElementException unknown) {
            return refuse(request, response, unknown.getMessage());
        }
        for (String clinic : clinics) {
            if (!limited.get().contains(clinic)) {
                return refuse(request, response, "clinic '" + clinic + "' is not one of yours");
            }
        }
        return true;
    }

    /**
     * The clinics the matched route is about: named in it, or owning the endpoint, alert or channel
     * it names.
     *
     * @throws NoSuchElementException when it names one that does not exist
     */
    private List<String> clinics(String route, Map<String, String> variables) {
        List<String> clinics = new ArrayList<>();
        if (route.startsWith("/clinics/{id}")) {
            clinics.add(variables.get("id"));
        }
        if (route.startsWith("/api/v1/clinics/{clinic}")) {
            clinics.add(variables.get("clinic"));
        }
        if (route.startsWith("/endpoints/{id}") || route.startsWith("/api/v1/endpoints/{id}")) {
            String id = variables.get("id");
            clinics.add(directory.endpoint(id).map(EmrEndpoint::clinicId)
                    .orElseThrow(() -> new NoSuchElementException("no endpoint '" + id + "'")));
        }
        String alert = route.startsWith("/api/v1/alerts/{id}") ? variables.get("id")
                : route.startsWith("/clinics/{id}/alerts/{alertId}") ? variables.get("alertId") : null;
        if (alert != null) {
            clinics.add(Optional.of(alert).filter(a -> DIGITS.matcher(a).matches()).map(Long::parseLong)
                    .flatMap(alerts::find).map(Alert::clinicId)
                    .orElseThrow(() -> new NoSuchElementException("no alert '" + alert + "'")));
        }
        if (route.startsWith("/api/v1/notification-channels/{id}")) {
            String id = variables.get("id");
            clinics.add(channels.find(id).map(NotificationChannel::clinicId)
                    .orElseThrow(() -> new NoSuchElementException("no notification channel '" + id + "'")));
        }
        return clinics;
    }

    private static boolean refuse(HttpServletRequest request, HttpServletResponse response, String why)
            throws IOException {
        String route = (String) request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (route != null && route.startsWith("/api/")) {
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
