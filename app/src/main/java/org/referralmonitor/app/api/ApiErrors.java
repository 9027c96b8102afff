package org.referralmonitor.app.api;

import java.net.URI;
import org.referralmonitor.app.notify.InvalidChannelException;
import org.referralmonitor.ingest.sync.SyncNotStartedException;
import org.referralmonitor.ingest.sync.UnknownEndpointException;
import org.referralmonitor.metrics.outreach.InvalidOutreachException;
import org.referralmonitor.profiles.conformance.InvalidJsonException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Errors of the JSON API as RFC 9457 problem details that say what went wrong and where. */
@RestControllerAdvice(basePackageClasses = ApiErrors.class)
class ApiErrors {

    @ExceptionHandler({InvalidRequestException.class, InvalidOutreachException.class, InvalidChannelException.class})
    ProblemDetail invalid(RuntimeException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid request", e.getMessage());
    }

    @ExceptionHandler(InvalidJsonException.class)
    ProblemDetail invalidJson(InvalidJsonException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Not JSON",
                e.getMessage().replaceFirst("^not valid JSON", "not valid JSON at line " + e.line() + ", column "
                        + e.column()));
        problem.setProperty("line", e.line());
        problem.setProperty("column", e.column());
        return problem;
    }

    @ExceptionHandler({NotFoundException.class, UnknownEndpointException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(SyncNotStartedException.class)
    ProblemDetail conflict(SyncNotStartedException e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "Sync not started", e.getMessage());
        if (e.active() != null) {
            problem.setProperty("activeSync", URI.create("/api/v1/endpoints/" + e.active().endpointId() + "/syncs/"
                    + e.active().id()));
        }
        return problem;
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }
}
