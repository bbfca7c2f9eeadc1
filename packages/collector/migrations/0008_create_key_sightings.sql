-- Per key and vantage point (or the authoritative view): first/last time published, signing, with a DS.
-- 0 = never seen.
CREATE TABLE IF NOT EXISTS key_sightings
(
    zone String,
    analysis_id String,
    version UInt64,
    idx UInt32,
    key_id String,
    algorithm UInt8,
    key_tag UInt16,
    role String,
    vantage String,
    first_published_ms UInt64,
    last_published_ms UInt64,
    first_signing_ms UInt64,
    last_signing_ms UInt64,
    first_ds_ms UInt64,
    last_ds_ms UInt64,
    revoked_ms UInt64,
    detail String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, analysis_id, idx);
