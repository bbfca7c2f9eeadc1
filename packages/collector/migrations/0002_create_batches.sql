-- The batch ledger: one row per stored batch, written after its observations. A re-sent batch is
-- recognised by (agent_id, seq); the highest stored_at_ms wins when rows repeat (read with FINAL or max).
-- body_sha256 = '' marks a row recovered by reconcileLedger after a crash.
CREATE TABLE IF NOT EXISTS batches
(
    agent_id String,
    seq UInt64,
    rows UInt32,
    body_sha256 String,
    created_at_ms UInt64,
    stored_at_ms UInt64
)
ENGINE = ReplacingMergeTree(stored_at_ms)
ORDER BY (agent_id, seq);
