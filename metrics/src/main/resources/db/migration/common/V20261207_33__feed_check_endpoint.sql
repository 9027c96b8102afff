-- Each endpoint's part of a clinic's stored feed check: whether its own sync record makes the month
-- suspect and why, as the run that checked the month found it (the API's and the dashboard's feed
-- panels show it with the clinic's result). Replaced with the clinic's row.
CREATE TABLE feed_check_endpoint (
    clinic_id     VARCHAR(64)   NOT NULL,
    month_start   DATE          NOT NULL,
    endpoint_id   VARCHAR(64)   NOT NULL,
    name          VARCHAR(200)  NOT NULL,
    suspect       BOOLEAN       NOT NULL,
    problems      VARCHAR(2000),          -- what makes it suspect, one per line; NULL when it is not
    sync_record   VARCHAR(2000) NOT NULL, -- its failed syncs, retried pages, resources announced but not received
    PRIMARY KEY (clinic_id, month_start, endpoint_id),
    FOREIGN KEY (clinic_id, month_start) REFERENCES feed_check (clinic_id, month_start) ON DELETE CASCADE
);
