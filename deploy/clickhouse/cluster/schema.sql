-- yuqing's analytics schema on a replicated, sharded ClickHouse cluster
-- named "yuqing" (2 shards x 2 replicas, config.d/yuqing-cluster.xml).
-- Run once, on any node, before yuqing first connects:
--   clickhouse-client --multiquery < schema.sql
-- README.md says how yuqing then uses it, and what it cannot do.
--
-- Layout: each table chstore knows (internal/analytics/chstore/migrations)
-- is a Replicated* "<name>_local" table on every node, with the engine and
-- columns chstore's migrations give it, plus a Distributed table under the
-- name chstore queries, spread over the shards by cityHash64(id): every
-- row of one mention (or topic) lands on one shard, so ReplacingMergeTree
-- collapses its duplicates there and LIMIT 1 BY id / argMax see them all.
-- mention_keys is sharded the same way and filled on each shard by the
-- materialized view over the local mentions table, so Get's IN subquery can
-- run shard-locally (distributed_product_mode = 'local', users.d/yuqing.xml).
--
-- Within ClickHouse 18.16's DDL, as chstore's own migrations are. A test
-- (cmd/yuqing/deploy_test.go) checks the columns against the migrations
-- and that every migration is recorded below.

CREATE DATABASE IF NOT EXISTS yuqing ON CLUSTER yuqing;

-- 0001_mentions + 0002_analysis
CREATE TABLE IF NOT EXISTS yuqing.mentions_local ON CLUSTER yuqing (
    id              String,
    platform        String,
    source          String,
    url             String,
    author_id       String,
    author_name     String,
    title           String,
    text            String,
    published_at    DateTime('UTC'),
    published_nanos UInt32,
    ingested_at     DateTime('UTC'),
    ingested_nanos  UInt32,
    tokens          Array(String),
    keywords        Array(String),
    drill           UInt8,
    ver             UInt64,
    sentiment       String DEFAULT '',
    sentiment_score Float64 DEFAULT 0,
    topic           String DEFAULT '',
    schemes         Array(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/mentions_local', '{replica}', ver)
PARTITION BY toYYYYMM(published_at)
ORDER BY (platform, published_at, id);

CREATE TABLE IF NOT EXISTS yuqing.mentions ON CLUSTER yuqing AS yuqing.mentions_local
ENGINE = Distributed(yuqing, yuqing, mentions_local, cityHash64(id));

-- 0001_mentions
CREATE TABLE IF NOT EXISTS yuqing.mention_keys_local ON CLUSTER yuqing (
    id           String,
    platform     String,
    published_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/mention_keys_local', '{replica}')
ORDER BY (id, platform, published_at);

CREATE MATERIALIZED VIEW IF NOT EXISTS yuqing.mention_keys_mv ON CLUSTER yuqing TO yuqing.mention_keys_local AS
SELECT id, platform, published_at FROM yuqing.mentions_local;

CREATE TABLE IF NOT EXISTS yuqing.mention_keys ON CLUSTER yuqing AS yuqing.mention_keys_local
ENGINE = Distributed(yuqing, yuqing, mention_keys_local, cityHash64(id));

-- 0002_analysis
CREATE TABLE IF NOT EXISTS yuqing.topics_local ON CLUSTER yuqing (
    id         String,
    label      Array(String),
    mentions   Int64,
    first_id   String,
    first_ns   Int64,
    last_ns    Int64,
    platforms  Array(String),
    neg        Int64,
    neu        Int64,
    pos        Int64,
    reach      Int64,
    heat       Float64,
    lifecycle  String,
    grade      Int64,
    schemes    Array(String),
    retired    UInt8,
    drill      UInt8,
    updated_ns UInt64,
    ins        UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/topics_local', '{replica}', updated_ns)
ORDER BY id;

CREATE TABLE IF NOT EXISTS yuqing.topics ON CLUSTER yuqing AS yuqing.topics_local
ENGINE = Distributed(yuqing, yuqing, topics_local, cityHash64(id));

-- chstore's migration record. One replication group over all four nodes
-- (no {shard} in the path), so every node sees the same rows; chstore
-- finds the migrations below applied and runs none of its own DDL.
CREATE TABLE IF NOT EXISTS yuqing.schema_migrations ON CLUSTER yuqing (
    version    UInt32,
    name       String,
    applied_at DateTime('UTC')
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/yuqing/schema_migrations', '{replica}')
ORDER BY version;

INSERT INTO yuqing.schema_migrations (version, name, applied_at) VALUES
    (1, 'mentions', now()),
    (2, 'analysis', now());
