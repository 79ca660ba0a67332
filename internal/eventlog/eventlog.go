// Package eventlog is the append-only log every fact in yuqing goes through.
//
// Two implementations pass the conformance suite in eventlog/logtest:
// sqlitelog (the embedded default) and kafkalog (distributed). A topic is split
// into partitions; events with one Key land in one partition and keep their
// order. Delivery is at-least-once: consumers must be idempotent by event ID.
package eventlog

import (
	"context"
	"errors"
	"fmt"

	"yuqing/internal/event"
)

// Topics used across yuqing.
const (
	TopicMentions   = "mentions"    // mention.ingested.v1
	TopicAnalyzed   = "analyzed"    // mention.analyzed.v1
	TopicDeadLetter = "deadletters" // mention.rejected.v1 and anything else refused
)

// ErrClosed is returned by every call on a closed log.
var ErrClosed = errors.New("eventlog: log is closed")

// TooLargeError is returned by Append when some events are larger than the
// log accepts for one record: those (IDs) were not stored, every other event
// of the call was. The caller dead-letters the refused ones with the reason
// and goes on; sending them again cannot succeed.
type TooLargeError struct {
	Topic string
	IDs   []string // the refused events, in call order
	Sizes []int    // their encoded sizes in bytes
	Limit int64    // the largest record the log takes, bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("eventlog: %d events larger than the %d-byte record limit of %s not stored (first %s, %d bytes)",
		len(e.IDs), e.Limit, e.Topic, e.IDs[0], e.Sizes[0])
}

// Record is one event as stored in a topic partition.
type Record struct {
	Topic     string
	Partition int
	Offset    int64 // position within the partition, from 0
	Event     event.Envelope
}

// Positions maps a partition to the next offset to read there: one past
// the last record handled.
type Positions map[int]int64

// Advance moves the positions past every record of batch.
func (p Positions) Advance(batch []Record) {
	for _, r := range batch {
		if r.Offset+1 > p[r.Partition] {
			p[r.Partition] = r.Offset + 1
		}
	}
}

// Behind is how many records lie between p and ends, over all partitions.
func (p Positions) Behind(ends Positions) int64 {
	var n int64
	for part, end := range ends {
		if d := end - p[part]; d > 0 {
			n += d
		}
	}
	return n
}

// Handler processes a batch of records. If it returns nil the batch's offsets
// are committed; if it returns an error nothing of the batch is committed and
// the batch will be delivered again to the group.
type Handler func(ctx context.Context, batch []Record) error

// Log is an append-only, partitioned event log with consumer groups.
//
// All methods are safe for concurrent use.
type Log interface {
	// Append stores events durably, in order per key, and returns only when
	// the log has them: an event Append accepted survives a crash. A
	// *TooLargeError names events refused for their size; the others are
	// stored.
	Append(ctx context.Context, topic string, events ...event.Envelope) error

	// Consume delivers the topic to the named group from its committed
	// offsets (from the start for a new group), in batches, committing each
	// batch after h returns nil. It blocks until ctx is done (returning
	// ctx.Err()) or h fails (returning h's error, wrapped, uncommitted).
	Consume(ctx context.Context, topic, group string, h Handler) error

	// Replay delivers every record of the topic from offset 0 up to the end
	// as of the call, then returns nil. It commits nothing.
	Replay(ctx context.Context, topic string, h Handler) error

	// ReplayFrom is Replay from positions: each partition from the offset
	// from names (a partition it does not name from its start). A position
	// beyond a partition's end is an error (the log is not the one the
	// positions were taken from). A restart that saved its state with the
	// positions it had reached reads only the tail.
	ReplayFrom(ctx context.Context, topic string, from Positions, h Handler) error

	// Ends returns, per partition, the offset the next record appended there
	// will get; empty for a topic that does not exist. Positions that reach
	// Ends have read everything appended before the call.
	Ends(ctx context.Context, topic string) (Positions, error)

	// Close releases the log. Later calls return ErrClosed.
	Close() error
}

// Tx is what a transactional handler may do inside the transaction that
// also commits the consumer's offset.
type Tx interface {
	Append(ctx context.Context, topic string, events ...event.Envelope) error
}

// TxHandler is a Handler whose appends commit together with the offsets.
type TxHandler func(ctx context.Context, tx Tx, batch []Record) error

// TxLog is a log that can commit a consumer's output and its offset in one
// transaction (the embedded SQLite log can; Kafka through kafka-go cannot).
type TxLog interface {
	Log
	ConsumeTx(ctx context.Context, topic, group string, h TxHandler) error
}

// Pipe consumes topic as group and appends what h produces. On a TxLog the
// output and the offset commit atomically (exactly-once into the output
// topics); on other logs the output is appended before the offset commits
// (at-least-once; downstream consumers drop duplicates by event ID).
func Pipe(ctx context.Context, l Log, topic, group string, h TxHandler) error {
	if tl, ok := l.(TxLog); ok {
		return tl.ConsumeTx(ctx, topic, group, h)
	}
	return l.Consume(ctx, topic, group, func(ctx context.Context, batch []Record) error {
		return h(ctx, directTx{l}, batch)
	})
}

type directTx struct{ l Log }

func (d directTx) Append(ctx context.Context, topic string, events ...event.Envelope) error {
	return d.l.Append(ctx, topic, events...)
}
