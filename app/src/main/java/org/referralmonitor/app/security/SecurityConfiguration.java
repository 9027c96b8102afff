package org.referralmonitor.app.security;

import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.audit.AuditLog;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.EndpointSource;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationEventPublisher;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.DefaultAuthenticationEventPublisher;
import org.springframework.security.authentication.event.AuthenticationFailureLockedEvent;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.authorization.AuthorizationEventPublisher;
import org.springframework.security.authorization.SpringAuthorizationEventPublisher;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsPasswordService;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.ExceptionMappingAuthenticationFailureHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;

/**
 * Two filter chains: the JSON API under {@code /api/**} is stateless with HTTP Basic (no session,
 * so no cookie for a cross-site request to ride on); the dashboard uses form login with CSRF
 * protection. Health is public for load balancers; everything else needs a user.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);
    private static final int MIN_PASSWORD_LENGTH = 12;

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        return http.securityMatcher("/api/**")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/api/v1/audit", "/api/v1/audit/**").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.GET, "/api/**").authenticated()
                        .requestMatchers(HttpMethod.POST, "/api/v1/validate").authenticated()
                        .requestMatchers(HttpMethod.POST, "/api/v1/endpoints/*/sync").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/api/v1/alerts/*/acknowledge").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/api/v1/clinics/*/outreach").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.PUT, "/api/v1/clinics/*/outreach/cadence").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.DELETE, "/api/v1/clinics/*/outreach/cadence").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/api/v1/jobs/**").hasAnyRole(Roles.ADMIN, Roles.MANAGER)
                        .requestMatchers(HttpMethod.PUT, "/api/v1/clinics/*/baseline").hasAnyRole(Roles.ADMIN, Roles.MANAGER)
                        .requestMatchers(HttpMethod.DELETE, "/api/v1/clinics/*/baseline").hasAnyRole(Roles.ADMIN, Roles.MANAGER)
                        .anyRequest().hasRole(Roles.ADMIN))
                .httpBasic(basic -> basic.authenticationEntryPoint(apiEntryPoint()))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain web(HttpSecurity http) throws Exception {
        return http
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/login", "/css/**", "/favicon.ico", "/error").permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .requestMatchers("/actuator/**").hasRole(Roles.ADMIN)
                        .requestMatchers("/audit", "/audit/**").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/clinics/*/alerts/*/acknowledge").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/endpoints/*/sync").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/clinics/*/outreach", "/clinics/*/outreach/cadence",
                                "/clinics/*/outreach/cadence/clear").hasAnyRole(Roles.ADMIN, Roles.COORDINATOR)
                        .requestMatchers(HttpMethod.POST, "/clinics/*/metrics/recompute", "/clinics/*/baseline",
                                "/clinics/*/baseline/clear").hasAnyRole(Roles.ADMIN, Roles.MANAGER)
                        .requestMatchers(HttpMethod.POST, "/clinics/*/notifications", "/clinics/*/notifications/**")
                                .hasRole(Roles.ADMIN)
                        .requestMatchers("/endpoints/new").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/endpoints", "/endpoints/*/test").hasRole(Roles.ADMIN)
                        .anyRequest().authenticated())
                .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/", false)
                        .failureHandler(loginFailure()).permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
                .build();
    }

    /**
     * The API's answer to a request without valid credentials: 401 with a Basic challenge; for a name
     * locked after failed sign-ins ({@link SignInLockout}) also Retry-After and a problem detail saying so.
     */
    private static AuthenticationEntryPoint apiEntryPoint() {
        BasicAuthenticationEntryPoint basic = new BasicAuthenticationEntryPoint();
        basic.setRealmName("referral-monitor");
        return (request, response, e) -> {
            // a browser's script gets no challenge, so no sign-in box pops up (as Spring Security's default)
            boolean script = "XMLHttpRequest".equals(request.getHeader("X-Requested-With"));
            if (!(e instanceof SignInLockout.Locked locked)) {
                if (script) {
                    response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
                } else {
                    basic.commence(request, response, e);
                }
                return;
            }
            if (!script) {
                response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"referral-monitor\", charset=\"UTF-8\"");
            }
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(locked.retryAfterSeconds()));
            ProblemResponse.write(response, HttpServletResponse.SC_UNAUTHORIZED, "Locked", locked.getMessage());
        };
    }

    /** Back to the sign-in page: saying the name is locked when it is, else that the name or password is wrong. */
    private static AuthenticationFailureHandler loginFailure() {
        ExceptionMappingAuthenticationFailureHandler failure = new ExceptionMappingAuthenticationFailureHandler();
        failure.setDefaultFailureUrl("/login?error");
        failure.setExceptionMappings(Map.of(SignInLockout.Locked.class.getName(), "/login?locked"));
        return failure;
    }

    /**
     * Checks passwords against {@link #users}, after {@link SignInLockout} checked that the name is
     * not locked; the only provider, so both the dashboard's sign-in and the API's Basic auth go through it.
     */
    @Bean
    AuthenticationProvider signIn(UserDetailsService users, PasswordEncoder encoder, AuditLog audit, AppProperties app,
            Optional<Clock> clock) {
        DaoAuthenticationProvider passwords = new DaoAuthenticationProvider(users);
        passwords.setPasswordEncoder(encoder);
        if (users instanceof UserDetailsPasswordService upgrades) {
            passwords.setUserDetailsPasswordService(upgrades); // as Spring Security's own set-up does
        }
        return new SignInLockout(passwords, audit, app.signInLockout(), clock.orElse(Clock.systemUTC()));
    }

    /**
     * Publishes sign-ins and failed sign-ins as events (for the audit trail), a locked name's refusal
     * as a locked one: the publisher maps exceptions by exact class.
     */
    @Bean
    AuthenticationEventPublisher authenticationEventPublisher(ApplicationEventPublisher events) {
        DefaultAuthenticationEventPublisher publisher = new DefaultAuthenticationEventPublisher(events);
        publisher.setAdditionalExceptionMappings(
                Map.of(SignInLockout.Locked.class, AuthenticationFailureLockedEvent.class));
        return publisher;
    }

    /** Publishes each refused request as an event, for the audit trail (audit.SignInAudit). */
    @Bean
    AuthorizationEventPublisher authorizationEventPublisher(ApplicationEventPublisher events) {
        return new SpringAuthorizationEventPublisher(events);
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /**
     * Built-in users from the environment and named users from configuration ({@link NamedUsers}).
     * While the sandbox EMR is on and there is no admin (no admin password, no named user with the
     * admin role), a {@code demo}/{@code demo} user can sign in: the sandbox holds synthetic data only.
     */
    @Bean
    UserDetailsService users(AppProperties app, IngestProperties ingest, PasswordEncoder encoder,
            List<EndpointSource> clinics, EndpointDirectory directory) {
        List<UserDetails> users = new ArrayList<>();
        add(users, "admin", app.adminPassword(), encoder, Roles.ADMIN, Roles.COORDINATOR, Roles.MANAGER);
        add(users, "coordinator", app.coordinatorPassword(), encoder, Roles.COORDINATOR);
        add(users, "manager", app.managerPassword(), encoder, Roles.MANAGER);
        users.addAll(NamedUsers.read(app.users(), encoder, MIN_PASSWORD_LENGTH, (ref, what) -> {
            NamedUsers.refuseEnteredSecret(ref, what, ingest.enteredSecrets());
            return SecretRefs.read(ref, what);
        }, java.util.stream.Stream.concat(clinics.stream().flatMap(source -> source.clinics().stream()),
                // and those entered through the API or the dashboard, kept in the database
                directory.clinics().stream()).map(Clinic::id).collect(Collectors.toSet())));
        if (app.demoUser(ingest.sandbox().enabled())) {
            users.add(User.withUsername("demo").password(encoder.encode("demo"))
                    .roles(Roles.ADMIN, Roles.COORDINATOR, Roles.MANAGER).build());
            log.warn("Sandbox mode: sign in as demo / demo. Set RM_ADMIN_PASSWORD (or name a user with the admin role) "
                    + "before connecting a real EMR.");
        } else if (!app.hasAdmin()) {
            throw new IllegalStateException("No admin password: set the environment variable RM_ADMIN_PASSWORD "
                    + "(at least " + MIN_PASSWORD_LENGTH + " characters), or name a user with the admin role under "
                    + "referral-monitor.app.users, so that someone can sign in");
        }
        return new InMemoryUserDetailsManager(users);
    }

    private static void add(List<UserDetails> users, String name, String password, PasswordEncoder encoder,
            String... roles) {
        if (password == null || password.isBlank()) {
            return;
        }
        if (password.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalStateException("The password of the built-in '" + name + "' user is " + password.length()
                    + " characters long; use at least " + MIN_PASSWORD_LENGTH);
        }
        NamedUsers.checkLength(password, "The password of the built-in '" + name + "' user");
        users.add(User.withUsername(name).password(encoder.encode(password)).roles(roles).build());
    }
}
