-- Which agents enrolled with which token; an agent counts once per token however often it enrols.
CREATE TABLE IF NOT EXISTS enrolment_uses
(
    token_sha256 String,
    agent_id String,
    used_at_ms UInt64
)
ENGINE = ReplacingMergeTree(used_at_ms)
ORDER BY (token_sha256, agent_id);
