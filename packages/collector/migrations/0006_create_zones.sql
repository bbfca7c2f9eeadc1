-- Tracked zones. Every change inserts a new version; the highest updated_at_ms wins (read with FINAL);
-- removed = 1 is a tombstone.
CREATE TABLE IF NOT EXISTS zones
(
    zone String,
    interval_s UInt32,
    qtypes Array(UInt16),
    query_authoritatives UInt8,
    added_at_ms UInt64,
    removed UInt8,
    updated_at_ms UInt64
)
ENGINE = ReplacingMergeTree(updated_at_ms)
ORDER BY zone;
