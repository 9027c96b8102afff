-- The referral rule every stored request of an endpoint was last classified by (Reclassifier):
-- while the endpoint's rule is that one, a sync does not read its stored requests to look for ones
-- classified by an older rule (every sync writes with the endpoint's current rule).
CREATE TABLE referral_rule_state (
    endpoint_id VARCHAR(64)  NOT NULL PRIMARY KEY,
    label       VARCHAR(200) NOT NULL
);
