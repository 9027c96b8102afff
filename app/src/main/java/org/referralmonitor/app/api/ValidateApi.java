package org.referralmonitor.app.api;

import java.util.List;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.referralmonitor.profiles.conformance.ValidationReport;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lets clinic IT check their EMR's data before connecting it: send a FHIR resource, a Bundle or
 * NDJSON, get back per resource whether the monitor can count it and, plainly, why not.
 */
@RestController
class ValidateApi {

    /** The verdicts, with totals. */
    record ValidateResponse(int resources, int countable, int notCountable, List<ValidationReport> results) {
    }

    private final FhirValidation validation;

    ValidateApi(FhirValidation validation) {
        this.validation = validation;
    }

    @PostMapping(path = "/api/v1/validate", consumes = MediaType.ALL_VALUE)
    ValidateResponse validate(@RequestBody(required = false) String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidRequestException("the request has no body: send a FHIR resource, a Bundle or NDJSON "
                    + "(one resource a line)");
        }
        List<ValidationReport> results = validation.validateDocument(body);
        int countable = (int) results.stream().filter(ValidationReport::countable).count();
        return new ValidateResponse(results.size(), countable, results.size() - countable, results);
    }
}
