-- Run on every node of the `kto` cluster after the single-node migrations created kto.observations.
-- 1. The local, replicated storage of each shard (same columns as kto.observations).
CREATE TABLE IF NOT EXISTS kto.observations_local AS kto.observations
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/kto/observations', '{replica}')
PARTITION BY toYYYYMM(observed_at)
ORDER BY (zone, qtype, observed_at, agent_id);

-- 2. The table collectors write to and the API reads from.
CREATE TABLE IF NOT EXISTS kto.observations_all AS kto.observations
ENGINE = Distributed(kto, kto, observations_local, cityHash64(agent_id));
