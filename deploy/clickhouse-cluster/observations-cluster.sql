-- Turns a migrated single-node KTO database into the cluster layout. Run on EVERY node of the `kto`
-- cluster after `kto-collector serve --clickhouse-url http://<node>:8123` has applied the migrations
-- there once. The collector keeps using the table name `observations`: afterwards that name is a
-- Distributed table over the replicated shards, so collectors and readers need no change.
-- Not exercised by the test suite (no cluster on the CI machine); see README.md beside this file.

-- 1. The shard-local, replicated storage (same columns and sort key as kto.observations).
CREATE TABLE IF NOT EXISTS kto.observations_local AS kto.observations
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/kto/observations', '{replica}')
PARTITION BY toYYYYMM(observed_at)
ORDER BY (zone, qtype, observed_at, agent_id);

-- 2. Move single-node rows (if any) into the local table, then swap the names.
INSERT INTO kto.observations_local SELECT * FROM kto.observations;
RENAME TABLE kto.observations TO kto.observations_single_node;
CREATE TABLE kto.observations AS kto.observations_local
ENGINE = Distributed(kto, kto, observations_local, cityHash64(agent_id));

-- 3. The ledger of stored batches must be the same for every collector: keep ONE copy of it,
--    replicated to every node (shard-independent), so that a batch re-sent to another collector is
--    recognised as a duplicate.
CREATE TABLE IF NOT EXISTS kto.batches_replicated AS kto.batches
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/kto/batches', '{replica}', stored_at_ms)
ORDER BY (agent_id, seq);
INSERT INTO kto.batches_replicated SELECT * FROM kto.batches;
RENAME TABLE kto.batches TO kto.batches_single_node, kto.batches_replicated TO kto.batches;
