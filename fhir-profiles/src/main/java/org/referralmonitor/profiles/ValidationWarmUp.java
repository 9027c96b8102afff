package org.referralmonitor.profiles;

import org.referralmonitor.profiles.conformance.FhirValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Compiles every profile in the background once the application is up, so no sync pays for it. */
@Component
class ValidationWarmUp {

    private static final Logger log = LoggerFactory.getLogger(ValidationWarmUp.class);

    private final FhirValidation validation;
    private final ProfilesProperties properties;

    ValidationWarmUp(FhirValidation validation, ProfilesProperties properties) {
        this.validation = validation;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void warmUp() {
        if (!properties.warmUpAtStartup()) {
            return;
        }
        Thread thread = new Thread(() -> {
            long start = System.nanoTime();
            validation.warmUp();
            log.info("FHIR validator warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
        }, "fhir-validation-warm-up");
        thread.setDaemon(true);
        thread.start();
    }
}
