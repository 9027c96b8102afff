package org.referralmonitor.profiles;

import ca.uhn.fhir.context.FhirContext;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's FHIR R4 context and validator. Both are expensive to build and thread-safe;
 * the validator is warmed up in the background after start-up, so the first sync does not wait
 * for the R4 core definitions to load.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProfilesProperties.class)
public class FhirProfilesConfiguration {

    private static final Logger log = LoggerFactory.getLogger(FhirProfilesConfiguration.class);

    @Bean
    FhirContext fhirContext() {
        return FhirContext.forR4Cached();
    }

    @Bean
    FhirValidation fhirValidation(FhirContext fhir, ProfilesProperties properties) {
        long start = System.nanoTime();
        FhirValidation validation = FhirValidation.shared(fhir, properties.validationCacheSize());
        log.info("FHIR package {} {} loaded: profiles for {} ({} ms)", validation.fhirPackage().name(),
                validation.fhirPackage().version(), validation.fhirPackage().profileUrls().keySet(),
                (System.nanoTime() - start) / 1_000_000);
        return validation;
    }
}
