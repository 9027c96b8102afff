package org.referralmonitor.app;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What the application module reads from configuration ({@code referral-monitor.app.*}).
 * Each key is documented in {@code config/application.yml}.
 *
 * @param adminPassword password of the built-in {@code admin} user (all roles); only ever from the
 *     environment ({@code RM_ADMIN_PASSWORD}) or a file outside the repository
 * @param coordinatorPassword password of the built-in {@code coordinator} user, when set
 * @param managerPassword password of the built-in {@code manager} user, when set
 * @param demoLogin allow the {@code demo}/{@code demo} user while the sandbox EMR is on and no
 *     admin password is set; never applies to real EMR data
 */
@ConfigurationProperties("referral-monitor.app")
@Validated
public record AppProperties(
        String adminPassword,
        String coordinatorPassword,
        String managerPassword,
        @DefaultValue("true") boolean demoLogin) {
}
