-- 0001: the mentions table, and an id -> sort key lookup table for Get.
--
-- Compatible with ClickHouse 18.16 and current releases: no LowCardinality,
-- DateTime64, Bool, TTL or CODEC. Every statement is idempotent (IF NOT
-- EXISTS), so a migration interrupted half way, or run by two processes at
-- once, is safe to run again.
--
-- mentions is a ReplacingMergeTree(ver): rows with the same sort key
-- (platform, published_at, id) collapse at merge time into the one with the
-- highest ver. The store writes ver = 2^64-1 - insert time in nanoseconds,
-- so the FIRST write of a mention survives ("a mention already stored is
-- left as is"). Queries never rely on merges having happened: they count
-- uniqExact(id), and Get takes the row with the highest ver.
--
-- The sort key leads with platform and published_at so that range queries
-- (Counts, TopKeywords) read only the granules of their range; id comes last
-- so duplicates of one mention share a key and collapse.
CREATE TABLE IF NOT EXISTS mentions (
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
    ver             UInt64
) ENGINE = ReplacingMergeTree(ver)
PARTITION BY toYYYYMM(published_at)
ORDER BY (platform, published_at, id);

-- mention_keys maps an id to the sort key of its mentions row, so that Get
-- by id reads a few granules instead of the whole id column. It is filled
-- by the materialized view below on every insert into mentions.
CREATE TABLE IF NOT EXISTS mention_keys (
    id           String,
    platform     String,
    published_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY (id, platform, published_at);

CREATE MATERIALIZED VIEW IF NOT EXISTS mention_keys_mv TO mention_keys AS
SELECT id, platform, published_at FROM mentions;
