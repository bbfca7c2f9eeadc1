-- Enrolled agents. Every change inserts a new version; the highest updated_at_ms wins (read with FINAL).
CREATE TABLE IF NOT EXISTS agents
(
    agent_id String,
    public_key String,
    country String,
    continent String,
    asn UInt32,
    name String,
    enrolled_at_ms UInt64,
    revoked UInt8,
    revoked_at_ms UInt64,
    updated_at_ms UInt64
)
ENGINE = ReplacingMergeTree(updated_at_ms)
ORDER BY agent_id;
