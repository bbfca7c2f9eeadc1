-- Lag per vantage point: how long after the authoritative change it first returned the new data,
-- against the bound its observed TTLs allow.
CREATE TABLE IF NOT EXISTS vantage_lag
(
    zone String,
    analysis_id String,
    version UInt64,
    idx UInt32,
    vantage String,
    agent_id String,
    server String,
    country String,
    continent String,
    lagging UInt8,
    max_lag_ms UInt64,
    bound_ms UInt64,
    detail String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, analysis_id, idx);
