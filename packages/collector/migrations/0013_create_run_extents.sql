-- Run extents: the columns of a `runs` row (migration 0012) that change when a flush extends an open run,
-- a failure period or a vantage point's counts. The fold (src/runs/fold.ts) writes a run's whole row to
-- `runs` once, when it starts; every later flush that extends it writes only this narrow row (the
-- engine takes about a quarter of the time of a 62-column row). A row's current value is its `runs`
-- row with these columns taken from its `run_extents` row when that has a higher version (same key;
-- read both with FINAL). A rebuild (or any whole-row write) uses a higher version, so extents written
-- before it are ignored. Stores with runs from before this table have no extents: nothing to overlay.
-- Types work on ClickHouse 18.16 and on chdb.
CREATE TABLE IF NOT EXISTS run_extents
(
    zone String,
    agent_id String,
    server String,
    qtype UInt16,
    kind String,
    first_ms UInt64,
    seq UInt64,
    idx UInt32,
    version UInt64,
    last_ms UInt64,
    count UInt64,
    last_seq UInt64,
    last_idx UInt32,
    max_ttl UInt32,
    expired_at_ms UInt64,
    expiring_at_ms UInt64,
    serials Array(UInt64),
    last_serial Int64,
    ede_codes Array(UInt16),
    open UInt8,
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
    qtypes Array(UInt16)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (zone, agent_id, server, qtype, kind, first_ms, seq, idx);
