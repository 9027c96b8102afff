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
 * its decoded variables, never from the raw path (which an encoded letter would slip past). 403 for
 * another clinic named; 404 for an endpoint, alert or channel that is another clinic's, does not
 * exist or is not named as digits, and for routes with variables this does not know (fails closed).
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
        String[] asked = request.getParameterValues("clinic");
        if (asked == null && SPANNING.contains(route)) {
            return refuse(request, response, HttpServletResponse.SC_FORBIDDEN, "say which clinic (clinic="
                    + String.join(" or clinic=", limited.get().stream().sorted().toList())
                    + "): you see only your clinics");
        }
        List<String> clinics = new ArrayList<>(asked == null ? List.of() : List.of(asked));
        try {
            clinics.addAll(clinics(route, variables, limited.get()));
        } catch (NoSuchElementException unknown) {
            return refuse(request, response, HttpServletResponse.SC_NOT_FOUND, unknown.getMessage());
        }
        for (String clinic : clinics) {
            if (!limited.get().contains(clinic)) {
                return refuse(request, response, HttpServletResponse.SC_FORBIDDEN,
                        "clinic '" + clinic + "' is not one of yours");
            }
        }
        return true;
    }

    /**
     * The clinics the matched route names. An endpoint, alert or channel of another clinic is
     * answered as one that does not exist, so that ids tell nothing of other clinics; a route with
     * variables this does not know is refused, so that a route added later is not open by mistake.
     *
     * @throws NoSuchElementException when it names an endpoint, alert or channel that does not exist or
     *     is another clinic's, or a route this does not know
     */
    private List<String> clinics(String route, Map<String, String> variables, Set<String> mine) {
        List<String> clinics = new ArrayList<>();
        boolean known = !route.contains("{");
        if (route.startsWith("/clinics/{id}")) {
            clinics.add(variables.get("id"));
            known = true;
        }
        if (route.startsWith("/api/v1/clinics/{clinic}")) {
            clinics.add(variables.get("clinic"));
            known = true;
        }
        if (route.startsWith("/endpoints/{id}") || route.startsWith("/api/v1/endpoints/{id}")) {
            String id = variables.get("id");
            directory.endpoint(id).map(EmrEndpoint::clinicId).filter(mine::contains)
                    .orElseThrow(() -> new NoSuchElementException("no endpoint '" + id + "'"));
            known = true;
        }
        String alert = route.startsWith("/api/v1/alerts/{id}") ? variables.get("id")
                : route.startsWith("/clinics/{id}/alerts/{alertId}") ? variables.get("alertId") : null;
        if (alert != null) {
            Optional.of(alert).filter(a -> DIGITS.matcher(a).matches()).map(Long::parseLong)
                    .flatMap(alerts::find).map(Alert::clinicId).filter(mine::contains)
                    .orElseThrow(() -> new NoSuchElementException("no alert '" + alert + "'"));
            known = true;
        }
        if (route.startsWith("/api/v1/notification-channels/{id}")) {
            String id = variables.get("id");
            channels.find(id).map(NotificationChannel::clinicId).filter(mine::contains)
                    .orElseThrow(() -> new NoSuchElementException("no notification channel '" + id + "'"));
            known = true;
        }
        if (!known) {
            throw new NoSuchElementException("nothing at " + route + " for a user limited to some clinics");
        }
        return clinics;
    }

    private static boolean refuse(HttpServletRequest request, HttpServletResponse response, int status, String why)
            throws IOException {
        String route = (String) request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (route != null && route.startsWith("/api/")) {
            ProblemResponse.write(response, status,
                    status == HttpServletResponse.SC_NOT_FOUND ? "Not Found" : "Forbidden", why);
        } else {
            response.sendError(status, why.replaceAll("\\p{Cntrl}", "?"));
        }
        return false;
    }
}
