-- Analyzer results (ARCHITECTURE.md §3): one analysis of one zone = a header row in `analyses` and its
-- items in `key_sightings`, `transitions`, `findings` and `vantage_lag`. Every table is keyed by
-- (zone, analysis_id[, idx]) with `version` as the ReplacingMergeTree version, so re-running an analysis
-- under the same id replaces it; readers take the header with the latest computed_at_ms per zone and
-- the items of exactly that (analysis_id, version), so rows left over by a longer earlier run are never
-- read. `detail` holds the analyzer's item as JSON (what the API serves); the other columns are the
-- item's queryable summary. Derived data: every row can be recomputed from `observations`.
-- Types work on ClickHouse 18.16 and on chdb: UInt64 epoch milliseconds, no DateTime64/LowCardinality.
CREATE TABLE IF NOT EXISTS analyses
(
    zone String,
    analysis_id String,
    version UInt64,
    computed_at_ms UInt64,
    mode String,
    analyzer String,
    from_ms UInt64,
    to_ms UInt64,
    observations UInt64,
    summary String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, analysis_id);
