package org.referralmonitor.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.PerformanceOptionsEnum;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The single FHIR R4 context of the application: expensive to build, thread-safe, shared. */
@Configuration(proxyBeanMethods = false)
public class FhirProfilesConfiguration {

    @Bean
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4();
        // Scan model classes lazily rather than up front: start-up matters for the demo run.
        context.setPerformanceOptions(PerformanceOptionsEnum.DEFERRED_MODEL_SCANNING);
        return context;
    }
}
