package org.referralmonitor.app.audit;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records every change asked of the dashboard or the API that got past the sign-in and role checks
 * (it runs after Spring Security's filters, so refused requests never reach it): who, the method,
 * the path, the form or query parameters without passwords, the status answered and, for what the
 * request created, its {@code Location}. JSON bodies are not read: a change made through the API
 * with a JSON body is recorded by its path and what it created. Requests
 * that change nothing are left out: reads, and {@code POST /api/v1/validate}. Request bodies are not
 * read. A failure to record is logged and does not fail the request, which has already been done.
 */
class AuditFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);

    private static final Set<String> CHANGES = Set.of("POST", "PUT", "PATCH", "DELETE");

    /** Paths that change nothing though posted. */
    private static final Set<String> READS = Set.of("/api/v1/validate");

    /**
     * Parameter names whose values are never kept: passwords. No form of the monitor takes another
     * secret itself (secrets are named, {@code env:} or {@code file:}, and those names are kept: they
     * say which secret an administrator had sent where).
     */
    private static final Pattern SECRET = Pattern.compile("(?i).*password.*");

    /** The form field of Spring Security's CSRF token: on every form, telling nothing. */
    private static final String CSRF = "_csrf";

    private final AuditLog audit;

    AuditFilter(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !CHANGES.contains(request.getMethod().toUpperCase(Locale.ROOT)) || READS.contains(path(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean failed = true;
        try {
            chain.doFilter(request, response);
            failed = false;
        } finally {
            if (request.getUserPrincipal() != null) {
                try {
                    // an exception on its way to the error page: answered 500, though not yet set
                    audit.record(request.getUserPrincipal().getName(), request.getMethod().toUpperCase(Locale.ROOT),
                            path(request), withLocation(parameters(request.getParameterMap()),
                                    response.getHeader("Location")),
                            failed ? HttpServletResponse.SC_INTERNAL_SERVER_ERROR : response.getStatus(),
                            request.getRemoteAddr());
                } catch (RuntimeException e) {
                    log.error("Could not record {} {} by {} in the audit trail: {}", request.getMethod(), path(request),
                            request.getUserPrincipal().getName(), e.getMessage());
                }
            }
        }
    }

    /** The request's path within the application, as the trail keeps it. */
    static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    /** The parameters and, when the answer names what was created, location=... after them. */
    static String withLocation(String parameters, String location) {
        if (location == null || location.isBlank()) {
            return parameters;
        }
        String created = "location=" + URLEncoder.encode(location, StandardCharsets.UTF_8);
        return parameters == null ? created : parameters + "&" + created;
    }

    /** name=value&... in name order, URL-encoded; a secret's value as "(hidden)"; the CSRF token left out; null when none. */
    static String parameters(Map<String, String[]> parameters) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String[]> p : new TreeMap<>(parameters).entrySet()) {
            if (CSRF.equals(p.getKey())) {
                continue;
            }
            for (String value : p.getValue()) {
                if (!text.isEmpty()) {
                    text.append('&');
                }
                text.append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(SECRET.matcher(p.getKey()).matches() ? "(hidden)"
                                : URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
        return text.isEmpty() ? null : text.toString();
    }
}
