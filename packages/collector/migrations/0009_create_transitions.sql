-- One key transition: the signing keys of a role change; its procedure class and whether it conforms
-- (conformance: 'yes', 'no' (it has findings) or 'undecided' (the sampling is too coarse to tell)).
CREATE TABLE IF NOT EXISTS transitions
(
    zone String,
    analysis_id String,
    version UInt64,
    idx UInt32,
    role String,
    procedure String,
    conformance String,
    start_ms UInt64,
    end_ms UInt64,
    keys_in Array(String),
    keys_out Array(String),
    algorithms_in Array(UInt8),
    algorithms_out Array(UInt8),
    detail String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, analysis_id, idx);
