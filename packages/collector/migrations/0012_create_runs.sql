-- Runs: the observations of a zone folded at ingest (src/runs/fold.ts), so that reading a zone's history
-- for analysis reads runs, not rows. One row per
--   kind 'answer':  a maximal sequence of consecutive answers of one series (agent_id, server, qtype)
--                   with the same content (@kto/core sameContent); the content columns are those of its
--                   first row, whose response bytes (to verify its signatures) are in `run_samples`;
--   kind 'failure': a period of failed queries / error RCODEs of one series;
--   kind 'vantage': what the analyzer keeps per vantage point (agent_id, server): counts, the first
--                   intervals (cadence), long intervals (gaps); qtype = 0.
-- An open run is rewritten by each flush that extends it, with a higher version: read with FINAL.
-- `open` marks the latest answer run and failure period of each series (what folding resumes from).
-- `rebuilt_ms` (vantage rows) is the version of the last rebuild from rows: answer and failure rows
-- of that vantage point with a lower version are left over from before it and are ignored.
-- Types work on ClickHouse 18.16 and on chdb.
CREATE TABLE IF NOT EXISTS runs
(
    zone String,
    agent_id String,
    server String,
    qtype UInt16,
    kind String,
    first_ms UInt64,
    version UInt64,
    last_ms UInt64,
    count UInt64,
    seq UInt64,
    idx UInt32,
    last_seq UInt64,
    last_idx UInt32,
    has_prev UInt8,
    prev_last_ms UInt64,
    raw_length UInt32,
    max_ttl UInt32,
    expired_at_ms UInt64,
    expiring_at_ms UInt64,
    serials Array(UInt64),
    last_serial Int64,
    vantage_kind String,
    dnskey_flags Array(UInt16),
    dnskey_algorithms Array(UInt8),
    dnskey_key_tags Array(UInt16),
    dnskey_key_hashes Array(String),
    dnskey_key_bits Array(UInt32),
    ds_key_tags Array(UInt16),
    ds_algorithms Array(UInt8),
    ds_digest_types Array(UInt8),
    ds_digests Array(String),
    ns_hosts Array(String),
    csync_serial UInt32,
    csync_flags UInt16,
    csync_types Array(UInt16),
    rrsig_type_covered Array(UInt16),
    rrsig_algorithms Array(UInt8),
    rrsig_original_ttls Array(UInt32),
    rrsig_inceptions Array(UInt32),
    rrsig_expirations Array(UInt32),
    rrsig_key_tags Array(UInt16),
    rcode UInt16,
    failure_kind String,
    ede_codes Array(UInt16),
    server_name String,
    country String,
    continent String,
    observations UInt64,
    used UInt64,
    duplicates UInt64,
    failed UInt64,
    truncated UInt64,
    malformed UInt64,
    without_raw UInt64,
    late UInt64,
    deltas Array(UInt64),
    provisional UInt64,
    long_gaps Array(UInt64),
    min_upload_delay Int64,
    qtypes Array(UInt16),
    rebuilt_ms UInt64,
    open UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, agent_id, server, qtype, kind, first_ms, seq, idx);

-- The raw response of the first row of each answer run, written once when the run starts (an open run
-- is rewritten at every flush that extends it; its first row's bytes are not).
CREATE TABLE IF NOT EXISTS run_samples
(
    zone String,
    agent_id String,
    seq UInt64,
    idx UInt32,
    raw String
)
ENGINE = ReplacingMergeTree
ORDER BY (zone, agent_id, seq, idx);
