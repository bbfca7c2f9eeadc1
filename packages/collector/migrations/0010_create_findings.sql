-- Findings: stable codes of the analyzer's registry (docs/findings.md) with their evidence.
CREATE TABLE IF NOT EXISTS findings
(
    zone String,
    analysis_id String,
    version UInt64,
    idx UInt32,
    code String,
    severity String,
    at_ms UInt64,
    keys Array(String),
    refs Array(String),
    message String,
    detail String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, analysis_id, idx);
