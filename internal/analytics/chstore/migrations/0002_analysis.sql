-- 0002: the analysis fields of a mention (sentiment, topic, schemes) and
-- the topics table of hot-topic summaries.
--
-- 18.16 does not parse ALTER TABLE ... ADD COLUMN IF NOT EXISTS, so the
-- ALTERs below have none; instead the migration runner skips an
-- `ALTER TABLE t ADD COLUMN c ...` statement (one ADD COLUMN each) when t
-- already has a column c, which keeps this migration safe to run again if
-- it was interrupted half way. Rows written before the upgrade read the
-- defaults: no sentiment, score 0, no topic, no schemes.
--
-- mention_keys_mv is left as is: it copies only id and the sort key.
ALTER TABLE mentions ADD COLUMN sentiment String DEFAULT '';
ALTER TABLE mentions ADD COLUMN sentiment_score Float64 DEFAULT 0;
ALTER TABLE mentions ADD COLUMN topic String DEFAULT '';
ALTER TABLE mentions ADD COLUMN schemes Array(String);

-- topics holds one summary per topic ID: a ReplacingMergeTree whose
-- version is updated_ns, the topic's Updated in Unix nanoseconds, so merges
-- keep the latest version. It is not partitioned: rows of one ID must meet
-- in a merge. Times are Unix nanoseconds (0 for the zero time); topics need
-- no date functions, and one integer is both the version and exact.
--
-- "An older or equal version arriving later is ignored": older versions
-- lose to updated_ns in merges and in queries; equal ones are not written
-- (PutTopics reads the stored versions of its IDs first). Two processes
-- writing the same ID and version at once can both get through; ins, the
-- insert time, then makes queries pick the later write, as merges do.
-- Queries take the row with the highest (updated_ns, ins) per ID, so they
-- are exact before merges.
CREATE TABLE IF NOT EXISTS topics (
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
) ENGINE = ReplacingMergeTree(updated_ns)
ORDER BY id;
