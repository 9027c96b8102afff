-- Per-endpoint validation level and what the validator found in each resource we kept.

-- STRICT: a resource with errors goes to review; LENIENT: kept, deviations recorded; OFF: not validated.
ALTER TABLE emr_endpoint ADD COLUMN validation_level VARCHAR(16) NOT NULL DEFAULT 'LENIENT';

-- Deviations from the profiles of resources that were kept, replaced whenever the resource is received again.
CREATE TABLE resource_issue (
    endpoint_id    VARCHAR(64)   NOT NULL REFERENCES emr_endpoint (id),
    resource_type  VARCHAR(64)   NOT NULL,
    resource_id    VARCHAR(64)   NOT NULL,
    severity       VARCHAR(16)   NOT NULL, -- ERROR, WARNING
    rule           VARCHAR(200)  NOT NULL,
    location       VARCHAR(500),
    message        VARCHAR(2000) NOT NULL,
    sync_run_id    BIGINT,
    seen_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX resource_issue_resource_idx ON resource_issue (endpoint_id, resource_type, resource_id);
CREATE INDEX resource_issue_rule_idx ON resource_issue (endpoint_id, rule);
