package org.referralmonitor.app.security;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts {@link ClinicAccessInterceptor} before every handler of the dashboard and the API. */
@Configuration(proxyBeanMethods = false)
class ClinicAccessConfiguration implements WebMvcConfigurer {

    private final ClinicAccessInterceptor interceptor;

    ClinicAccessConfiguration(ClinicAccessInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(interceptor);
    }
}
