package org.referralmonitor.app.audit;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The audit filter, after Spring Security's filter chain: it sees only requests that got past it, and who made them. */
@Configuration(proxyBeanMethods = false)
class AuditConfiguration {

    @Bean
    FilterRegistrationBean<AuditFilter> auditFilter(AuditLog audit) {
        FilterRegistrationBean<AuditFilter> registration = new FilterRegistrationBean<>(new AuditFilter(audit));
        registration.setOrder(Ordered.LOWEST_PRECEDENCE);
        return registration;
    }
}
