// Package kafkalog is the distributed event log: eventlog.Log on Apache Kafka
// (or anything speaking its protocol) through github.com/segmentio/kafka-go.
//
// Mapping:
//   - An eventlog topic is a Kafka topic, created on first use with
//     Config.Partitions partitions and Config.ReplicationFactor replicas.
//   - A record's value is the JSON of the whole event.Envelope; its Kafka key
//     is Envelope.Key, hashed (kafka.Hash, FNV-1a as in sarama) to choose the
//     partition, so one key keeps one partition and its order. The headers
//     "yuqing-type" and "yuqing-id" repeat the type and ID for tools that do
//     not parse the value.
//   - A consumer group is a Kafka consumer group (classic protocol); offsets
//     are committed synchronously after the handler accepted a batch.
//
// Delivery is at-least-once. There are no Kafka transactions (kafka-go has
// none), so Log is not an eventlog.TxLog and eventlog.Pipe appends a batch's
// output before committing its input: after a crash the output may be
// appended again, with the same event IDs.
//
// A record whose value is not a valid envelope never reaches a handler: a
// consumer appends a dead letter (type TypeMalformed, payload Malformed) to
// eventlog.TopicDeadLetter and commits past it; Replay skips it with a
// warning. Malformed records in the dead-letter topic itself are only logged,
// so a bad dead letter cannot loop.
package kafkalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"

	"yuqing/internal/backoff"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// TypeMalformed is the type of the dead letter a consumer appends to
// eventlog.TopicDeadLetter for a record that does not hold a valid envelope.
const TypeMalformed = "eventlog.malformed.v1"

// Malformed is the payload of a TypeMalformed dead letter.
type Malformed struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	Group     string `json:"group"` // the consumer group that found it
	Key       string `json:"key,omitempty"`
	Reason    string `json:"reason"`
	Value     []byte `json:"value"` // the record's value as stored (base64 in JSON)
}

// Header names set on every appended record.
const (
	HeaderType = "yuqing-type"
	HeaderID   = "yuqing-id"
)

// Config configures the Kafka log. Zero values mean the documented default.
type Config struct {
	// Brokers are the bootstrap addresses, host:port. Required.
	Brokers []string
	// Partitions is the partition count of topics this log creates (default 6).
	// Changing it later does not touch existing topics.
	Partitions int
	// TopicPartitions overrides Partitions for the topics it names (the
	// tracker's input and output have one partition: their order is its).
	TopicPartitions map[string]int
	// ReplicationFactor of topics this log creates (default 1).
	ReplicationFactor int
	// ClientID names this process to the brokers (default "yuqing").
	ClientID string

	// BatchTimeout is how long a partially filled produce batch waits for
	// more messages before it is sent (default 1ms). Append is synchronous,
	// so every Append pays up to this; raise it only to coalesce many small
	// concurrent Appends.
	BatchTimeout time.Duration
	// BatchSize is the most messages in one produce request per partition
	// (default 1000).
	BatchSize int
	// BatchBytes is the most bytes in one produce request per partition
	// (default 1,000,000: under the broker's default message.max.bytes with
	// room for the record batch overhead). It also bounds one event's size.
	BatchBytes int64

	// MaxBatch is the most records handed to a handler at once (default 500).
	MaxBatch int
	// BatchWait is how long a consumer keeps gathering records after the first
	// one of a batch arrived (default 5ms).
	BatchWait time.Duration
	// MaxWait is how long a fetch waits at the broker for new records
	// (default 500ms). It bounds how long closing a consumer takes, not the
	// latency of new records.
	MaxWait time.Duration
	// FetchMaxBytes is the most bytes one fetch returns (default 4 MiB).
	FetchMaxBytes int

	// SessionTimeout is how long the group coordinator waits for a silent
	// consumer before it reassigns its partitions (default 10s; brokers refuse
	// values outside group.min/max.session.timeout.ms, by default 6s..5min).
	// A Consume that returns leaves its group at once; only a process that
	// died holds its partitions this long.
	SessionTimeout time.Duration
	// RebalanceTimeout is how long a rebalance waits for the members to
	// rejoin (default 10s).
	RebalanceTimeout time.Duration
	// HeartbeatInterval is how often a consumer heartbeats, and so how soon
	// it notices a rebalance (default 1s). Must be below SessionTimeout.
	HeartbeatInterval time.Duration
	// JoinGroupBackoff is the wait before a consumer retries a failed join
	// (default 500ms).
	JoinGroupBackoff time.Duration

	// RequestTimeout bounds one request to a broker: topic creation, metadata,
	// offsets, produce, the commit after a cancelled handler (default 10s).
	RequestTimeout time.Duration
}

// Defaults.
const (
	DefaultPartitions        = 6
	DefaultReplicationFactor = 1
	DefaultClientID          = "yuqing"
)

func (c Config) withDefaults() Config {
	set := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = DefaultReplicationFactor
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	set(&c.BatchTimeout, time.Millisecond)
	if c.BatchSize == 0 {
		c.BatchSize = 1000
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 1_000_000
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 500
	}
	set(&c.BatchWait, 5*time.Millisecond)
	set(&c.MaxWait, 500*time.Millisecond)
	if c.FetchMaxBytes == 0 {
		c.FetchMaxBytes = 4 << 20
	}
	set(&c.SessionTimeout, 10*time.Second)
	set(&c.RebalanceTimeout, 10*time.Second)
	set(&c.HeartbeatInterval, time.Second)
	set(&c.JoinGroupBackoff, 500*time.Millisecond)
	set(&c.RequestTimeout, 10*time.Second)
	return c
}

// Validate reports a config that cannot work, after defaults are applied.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("no brokers"))
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("broker %q is not host:port", b))
		}
	}
	if c.Partitions < 0 || c.ReplicationFactor < 0 || c.BatchSize < 0 || c.BatchBytes < 0 ||
		c.MaxBatch < 0 || c.FetchMaxBytes < 0 {
		errs = append(errs, errors.New("counts and sizes must not be negative"))
	}
	for name, d := range map[string]time.Duration{
		"BatchTimeout": c.BatchTimeout, "BatchWait": c.BatchWait, "MaxWait": c.MaxWait,
		"SessionTimeout": c.SessionTimeout, "RebalanceTimeout": c.RebalanceTimeout,
		"HeartbeatInterval": c.HeartbeatInterval, "JoinGroupBackoff": c.JoinGroupBackoff,
		"RequestTimeout": c.RequestTimeout,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s is negative", name))
		}
	}
	d := c.withDefaults()
	if d.HeartbeatInterval >= d.SessionTimeout {
		errs = append(errs, fmt.Errorf("heartbeat interval %v must be below session timeout %v", d.HeartbeatInterval, d.SessionTimeout))
	}
	if len(errs) > 0 {
		return fmt.Errorf("kafkalog: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

// Log is the Kafka event log. All methods are safe for concurrent use.
type Log struct {
	cfg    Config
	logger *slog.Logger

	addr      net.Addr
	transport *kafka.Transport // shared by client and writer: one metadata cache
	client    *kafka.Client
	writer    *kafka.Writer
	dialer    *kafka.Dialer // consumer group readers do not use the transport

	mu     sync.Mutex
	closed bool
	topics map[string]bool // topics known to exist, with the transport's cache refreshed
	ops    sync.WaitGroup  // calls in flight; Close waits for them

	closing   context.Context // cancelled by Close: interrupts every call in flight
	stopAll   context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

var _ eventlog.Log = (*Log)(nil)

// New connects to the cluster: it returns an error if no broker answers a
// metadata request before ctx is done. logger may be nil.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "kafkalog")

	l := &Log{
		cfg:    cfg,
		logger: logger,
		addr:   kafka.TCP(cfg.Brokers...),
		topics: map[string]bool{},
		dialer: &kafka.Dialer{ClientID: cfg.ClientID, Timeout: cfg.RequestTimeout},
	}
	l.closing, l.stopAll = context.WithCancel(context.Background())
	l.transport = l.newTransport()
	l.client = &kafka.Client{Addr: l.addr, Transport: l.transport, Timeout: cfg.RequestTimeout}
	l.writer = &kafka.Writer{
		Addr:         l.addr,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   cfg.BatchBytes,
		BatchTimeout: cfg.BatchTimeout,
		ReadTimeout:  cfg.RequestTimeout,
		WriteTimeout: cfg.RequestTimeout,
		MaxAttempts:  5,
		Transport:    l.transport,
		Logger:       kafkaLogger(logger, slog.LevelDebug, "writer"),
		ErrorLogger:  kafkaLogger(logger, slog.LevelWarn, "writer"),
	}

	err := l.retry(ctx, "reading metadata", func(ctx context.Context) error {
		_, err := l.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
		return err
	})
	if err != nil {
		l.transport.CloseIdleConnections()
		l.stopAll()
		return nil, fmt.Errorf("kafkalog: connecting to %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	return l, nil
}

func (l *Log) newTransport() *kafka.Transport {
	return &kafka.Transport{
		DialTimeout: l.cfg.RequestTimeout,
		ClientID:    l.cfg.ClientID,
	}
}

// begin registers a call. The returned context is cancelled, with cause
// eventlog.ErrClosed, when the log closes; end must be called when the call
// is over.
func (l *Log) begin(ctx context.Context) (context.Context, func(), error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, nil, eventlog.ErrClosed
	}
	l.ops.Add(1)
	l.mu.Unlock()
	cctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(l.closing, func() { cancel(eventlog.ErrClosed) })
	return cctx, func() {
		stop()
		cancel(nil)
		l.ops.Done()
	}, nil
}

// stopped is the error of a call whose context is done: ErrClosed if the log
// closed under it, else the caller's ctx.Err().
func stopped(cctx context.Context) error {
	if cause := context.Cause(cctx); errors.Is(cause, eventlog.ErrClosed) {
		return cause
	}
	return cctx.Err()
}

// interrupted is what a Consume whose context is done returns: ctx.Err()
// itself, as eventlog.Log documents, or an error wrapping ErrClosed.
func interrupted(cctx context.Context, op string) error {
	if s := stopped(cctx); errors.Is(s, eventlog.ErrClosed) {
		return fmt.Errorf("kafkalog: %s: %w", op, s)
	}
	return cctx.Err()
}

// failed wraps err for op. If the log closed under the call, the error
// wraps eventlog.ErrClosed too.
func failed(cctx context.Context, op string, err error) error {
	if cctx.Err() != nil {
		if s := stopped(cctx); errors.Is(s, eventlog.ErrClosed) && !errors.Is(err, eventlog.ErrClosed) {
			return fmt.Errorf("kafkalog: %s: %w (%w)", op, s, err)
		}
	}
	return fmt.Errorf("kafkalog: %s: %w", op, err)
}

// Append stores the events in topic, creating the topic on first use, and
// returns only when the brokers acknowledged every event from all in-sync
// replicas (acks=all). Events with one Key go to one partition in the order
// given. Every event must pass Validate, or nothing is appended.
//
// If Append fails or ctx ends first, some of the events may have been stored
// anyway (at-least-once): appending them again may store them twice, with the
// same IDs. An event larger than BatchBytes (or the broker's message.max.bytes)
// is not stored: Append stores the others and returns an
// *eventlog.TooLargeError naming it. A topic the broker lost (its data wiped)
// is created again and the write retried once.
func (l *Log) Append(ctx context.Context, topic string, events ...event.Envelope) error {
	op := fmt.Sprintf("append %d events to %s", len(events), topic)
	cctx, end, err := l.begin(ctx)
	if err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	defer end()
	if err := checkTopic(topic); err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	if len(events) == 0 {
		return nil
	}
	if err := l.append(cctx, topic, events); err != nil {
		return failed(cctx, op, err)
	}
	return nil
}

func (l *Log) append(ctx context.Context, topic string, events []event.Envelope) error {
	msgs, err := encode(topic, events)
	if err != nil {
		return err
	}
	var big *eventlog.TooLargeError
	refuse := func(m kafka.Message) {
		if big == nil {
			big = &eventlog.TooLargeError{Topic: topic, Limit: l.cfg.BatchBytes}
		}
		big.IDs = append(big.IDs, headerValue(m, HeaderID))
		big.Sizes = append(big.Sizes, len(m.Key)+len(m.Value))
	}
	recreated := false
	for len(msgs) > 0 {
		if err := l.ensureTopic(ctx, topic); err != nil {
			return err
		}
		err := l.writer.WriteMessages(ctx, msgs...)
		// kafka-go refuses, one at a time, a message larger than one
		// produce request may be; the others are not sent yet.
		var one kafka.MessageTooLargeError
		if errors.As(err, &one) {
			refuse(one.Message)
			msgs = one.Remaining
			continue
		}
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) {
			// Per message: the acknowledged ones are stored; the broker
			// refuses for size above its message.max.bytes.
			var retry []kafka.Message
			var first error
			for i, e := range werrs {
				switch {
				case e == nil:
				case errors.Is(e, kafka.MessageSizeTooLarge):
					refuse(msgs[i])
				default:
					retry = append(retry, msgs[i])
					if first == nil {
						first = e
					}
				}
			}
			if first == nil {
				break
			}
			if missingTopic(first) && !recreated {
				l.forget(topic)
				recreated, msgs = true, retry
				continue
			}
			return fmt.Errorf("%d of %d messages not acknowledged, first: %w", len(retry), len(msgs), first)
		}
		// A broker that lost its topics (a wiped data directory) answers
		// UNKNOWN_TOPIC_OR_PARTITION: create the topic again, once per call.
		if missingTopic(err) && !recreated {
			l.forget(topic)
			recreated = true
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if big != nil {
		return big
	}
	return nil
}

// missingTopic reports whether a produce failed because the topic is not
// there: the broker says UNKNOWN_TOPIC_OR_PARTITION, or kafka-go's cached
// metadata no longer lists it (protocol.ErrNoTopic, "topic not found").
func missingTopic(err error) bool {
	return errors.Is(err, kafka.UnknownTopicOrPartition) || errors.Is(err, protocol.ErrNoTopic)
}

// forget makes the next append check that topic exists again.
func (l *Log) forget(topic string) {
	l.mu.Lock()
	delete(l.topics, topic)
	l.mu.Unlock()
	l.logger.Warn("topic missing at the broker; creating it again", "topic", topic)
}

func headerValue(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// encode validates the events and turns them into messages.
func encode(topic string, events []event.Envelope) ([]kafka.Message, error) {
	msgs := make([]kafka.Message, len(events))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep the payload's bytes as given
	for i, e := range events {
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", i, e.ID, err)
		}
		buf.Reset()
		if err := enc.Encode(e); err != nil {
			return nil, fmt.Errorf("encoding event %d (%s): %w", i, e.ID, err)
		}
		msgs[i] = kafka.Message{
			Topic: topic,
			Key:   []byte(e.Key), // never nil, so an empty key is hashed too
			Value: bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))),
			Headers: []kafka.Header{
				{Key: HeaderType, Value: []byte(e.Type)},
				{Key: HeaderID, Value: []byte(e.ID)},
			},
		}
	}
	return msgs, nil
}

// ensureTopic creates topic unless this log already knows it exists. As a
// side effect the transport refreshes its metadata cache (kafka-go does so
// after every CreateTopics, successful or not), so the writer sees the topic
// even when another process created it.
func (l *Log) ensureTopic(ctx context.Context, topic string) error {
	l.mu.Lock()
	known := l.topics[topic]
	l.mu.Unlock()
	if known {
		return nil
	}
	err := l.retry(ctx, "creating topic "+topic, func(ctx context.Context) error {
		resp, err := l.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
			Topics: []kafka.TopicConfig{{
				Topic:             topic,
				NumPartitions:     l.partitionsFor(topic),
				ReplicationFactor: l.cfg.ReplicationFactor,
			}},
		})
		if err != nil {
			return err
		}
		if err := resp.Errors[topic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	l.mu.Lock()
	l.topics[topic] = true
	l.mu.Unlock()
	return nil
}

// partitionsFor is the partition count topic is created with.
func (l *Log) partitionsFor(topic string) int {
	if n := l.cfg.TopicPartitions[topic]; n > 0 {
		return n
	}
	return l.cfg.Partitions
}

// Consume delivers topic to group from the group's committed offsets (from
// the earliest record for a new group), creating the topic if it does not
// exist yet. Batches hold up to Config.MaxBatch records in partition order
// (the order across partitions is unspecified). After h returns nil the
// batch's offsets are committed synchronously, even if ctx was cancelled
// while h ran; then Consume returns ctx.Err() if ctx is done.
//
// If h fails, Consume leaves the group without committing the batch and
// returns h's error, wrapped: the next consumer of the group gets the batch
// again. A failed commit is returned too (the batch will be delivered
// again). If the log is closed, Consume returns an error wrapping
// eventlog.ErrClosed.
//
// Records that are not valid envelopes are not given to h: they are appended
// to eventlog.TopicDeadLetter as TypeMalformed and committed with the batch.
func (l *Log) Consume(ctx context.Context, topic, group string, h eventlog.Handler) error {
	op := fmt.Sprintf("consume %s as %s", topic, group)
	cctx, end, err := l.begin(ctx)
	if err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	defer end()
	if err := checkTopic(topic); err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	if group == "" {
		return fmt.Errorf("kafkalog: %s: empty group", op)
	}
	if h == nil {
		return fmt.Errorf("kafkalog: %s: nil handler", op)
	}
	if err := l.ensureTopic(cctx, topic); err != nil {
		return failed(cctx, op, err)
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           l.cfg.Brokers,
		GroupID:           group,
		Topic:             topic,
		Dialer:            l.dialer,
		QueueCapacity:     2 * l.cfg.MaxBatch,
		MinBytes:          1,
		MaxBytes:          l.cfg.FetchMaxBytes,
		MaxWait:           l.cfg.MaxWait,
		CommitInterval:    0, // CommitMessages is synchronous
		StartOffset:       kafka.FirstOffset,
		SessionTimeout:    l.cfg.SessionTimeout,
		RebalanceTimeout:  l.cfg.RebalanceTimeout,
		HeartbeatInterval: l.cfg.HeartbeatInterval,
		JoinGroupBackoff:  l.cfg.JoinGroupBackoff,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    time.Second,
		Logger:            kafkaLogger(l.logger, slog.LevelDebug, "reader"),
		ErrorLogger:       kafkaLogger(l.logger, slog.LevelWarn, "reader"),
	})
	// Close leaves the group, so the partitions are reassigned at once
	// rather than after the session timeout.
	defer func() {
		if err := r.Close(); err != nil {
			l.logger.Warn("closing reader", "topic", topic, "group", group, "err", err)
		}
	}()
	return l.consume(cctx, r, op, topic, group, h)
}

func (l *Log) consume(cctx context.Context, r *kafka.Reader, op, topic, group string, h eventlog.Handler) error {
	for {
		msgs, fetchErr := l.fetchBatch(cctx, r)
		if cctx.Err() != nil {
			// Fetched but unhandled messages are not committed: the group
			// gets them again.
			return interrupted(cctx, op)
		}
		if len(msgs) == 0 {
			return fmt.Errorf("kafkalog: %s: fetching: %w", op, fetchErr)
		}
		recs, bad := l.decode(topic, msgs)
		if len(recs) > 0 {
			if err := h(cctx, recs); err != nil {
				first, last := recs[0], recs[len(recs)-1]
				return fmt.Errorf("kafkalog: %s: handler failed on %d records (partition %d offset %d to partition %d offset %d), not committed: %w",
					op, len(recs), first.Partition, first.Offset, last.Partition, last.Offset, err)
			}
		}
		// From here the batch is handled: finish it even if ctx is done.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(cctx), l.cfg.RequestTimeout)
		err := l.deadLetter(fctx, topic, group, bad)
		if err == nil {
			err = r.CommitMessages(fctx, msgs...)
			if err != nil {
				err = fmt.Errorf("committing %d offsets (the batch will be delivered again): %w", len(msgs), err)
			}
		}
		cancel()
		if err != nil {
			err = fmt.Errorf("kafkalog: %s: %w", op, err)
			if cctx.Err() != nil {
				return errors.Join(interrupted(cctx, op), err)
			}
			return err
		}
		if cctx.Err() != nil {
			return interrupted(cctx, op)
		}
		if fetchErr != nil {
			return fmt.Errorf("kafkalog: %s: fetching: %w", op, fetchErr)
		}
	}
}

// fetchBatch blocks for one message, then gathers what else arrives within
// Config.BatchWait, up to Config.MaxBatch. It returns the messages fetched and
// the error that cut the batch short, if any.
func (l *Log) fetchBatch(ctx context.Context, r *kafka.Reader) ([]kafka.Message, error) {
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []kafka.Message{m}
	if l.cfg.MaxBatch <= 1 {
		return msgs, nil
	}
	gctx, cancel := context.WithTimeout(ctx, l.cfg.BatchWait)
	defer cancel()
	for len(msgs) < l.cfg.MaxBatch {
		m, err := r.FetchMessage(gctx)
		if err != nil {
			if gctx.Err() != nil {
				return msgs, nil // the window closed (or ctx is done: the caller checks)
			}
			return msgs, err
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// badRecord is a message that does not hold a valid envelope.
type badRecord struct {
	msg    kafka.Message
	reason string
}

// decode turns messages into records, setting aside the malformed ones.
func (l *Log) decode(topic string, msgs []kafka.Message) ([]eventlog.Record, []badRecord) {
	recs := make([]eventlog.Record, 0, len(msgs))
	var bad []badRecord
	for _, m := range msgs {
		e, err := decodeEnvelope(m.Value)
		if err != nil {
			bad = append(bad, badRecord{m, err.Error()})
			continue
		}
		recs = append(recs, eventlog.Record{Topic: topic, Partition: m.Partition, Offset: m.Offset, Event: e})
	}
	return recs, bad
}

func decodeEnvelope(value []byte) (event.Envelope, error) {
	var e event.Envelope
	if err := json.Unmarshal(value, &e); err != nil {
		return e, fmt.Errorf("not an envelope: %w", err)
	}
	if err := e.Validate(); err != nil {
		return e, err
	}
	return e, nil
}

// deadLetter appends a TypeMalformed event per bad record to the dead-letter
// topic; bad records of the dead-letter topic itself are only logged.
func (l *Log) deadLetter(ctx context.Context, topic, group string, bad []badRecord) error {
	if len(bad) == 0 {
		return nil
	}
	now := time.Now().UTC()
	var dls []event.Envelope
	for _, b := range bad {
		l.logger.Warn("malformed record", "topic", topic, "partition", b.msg.Partition, "offset", b.msg.Offset,
			"group", group, "reason", b.reason)
		if topic == eventlog.TopicDeadLetter {
			continue
		}
		at := b.msg.Time.UTC()
		if at.IsZero() {
			at = now
		}
		e, err := event.New(TypeMalformed, topic, "kafkalog:"+group, at, now, Malformed{
			Topic: topic, Partition: b.msg.Partition, Offset: b.msg.Offset, Group: group,
			Key: string(b.msg.Key), Reason: b.reason, Value: b.msg.Value,
		})
		if err != nil {
			return fmt.Errorf("building dead letter for partition %d offset %d: %w", b.msg.Partition, b.msg.Offset, err)
		}
		dls = append(dls, e)
	}
	if len(dls) == 0 {
		return nil
	}
	if err := l.append(ctx, eventlog.TopicDeadLetter, dls); err != nil {
		return fmt.Errorf("dead-lettering %d malformed records: %w", len(dls), err)
	}
	return nil
}

// Replay delivers every record of topic from the earliest retained offset up
// to each partition's high-water mark as of the call, in batches of up to
// Config.MaxBatch records, one partition after another, in offset order. It
// commits nothing and returns nil at the end; a topic that does not exist
// yields no records and is not created. Malformed records are skipped with
// a warning. If h fails Replay returns its error, wrapped.
func (l *Log) Replay(ctx context.Context, topic string, h eventlog.Handler) error {
	return l.ReplayFrom(ctx, topic, nil, h)
}

// ReplayFrom implements eventlog.Log: Replay with each partition starting
// at from (or at its earliest retained offset when retention has removed
// what from names, with a warning).
func (l *Log) ReplayFrom(ctx context.Context, topic string, from eventlog.Positions, h eventlog.Handler) error {
	op := "replay " + topic
	cctx, end, err := l.begin(ctx)
	if err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	defer end()
	if err := checkTopic(topic); err != nil {
		return fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	if h == nil {
		return fmt.Errorf("kafkalog: %s: nil handler", op)
	}
	if err := l.replay(cctx, topic, from, h); err != nil {
		return failed(cctx, op, err)
	}
	return nil
}

// Ends implements eventlog.Log: each partition's high-water mark.
func (l *Log) Ends(ctx context.Context, topic string) (eventlog.Positions, error) {
	op := "ends of " + topic
	cctx, end, err := l.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	defer end()
	if err := checkTopic(topic); err != nil {
		return nil, fmt.Errorf("kafkalog: %s: %w", op, err)
	}
	_, spans, err := l.spans(cctx, topic)
	if err != nil {
		return nil, failed(cctx, op, err)
	}
	out := eventlog.Positions{}
	for _, s := range spans {
		if s.last > 0 {
			out[s.partition] = s.last
		}
	}
	return out, nil
}

type span struct {
	partition   int
	first, last int64 // replay [first, last)
}

// spans returns the client that answered and each partition's span; none
// for a topic that does not exist.
func (l *Log) spans(ctx context.Context, topic string) (*kafka.Client, []span, error) {
	client := l.client
	parts, err := l.partitionsOf(ctx, client, topic)
	if errors.Is(err, kafka.UnknownTopicOrPartition) {
		// The transport's metadata cache may predate a topic another process
		// created: ask a fresh connection before concluding it does not exist.
		tr := l.newTransport()
		defer tr.CloseIdleConnections()
		client = &kafka.Client{Addr: l.addr, Transport: tr, Timeout: l.cfg.RequestTimeout}
		parts, err = l.partitionsOf(ctx, client, topic)
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			return client, nil, nil
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading partitions: %w", err)
	}
	spans, err := l.offsetsOf(ctx, client, topic, parts)
	return client, spans, err
}

func (l *Log) replay(ctx context.Context, topic string, from eventlog.Positions, h eventlog.Handler) error {
	client, spans, err := l.spans(ctx, topic)
	if err != nil {
		return err
	}
	for _, s := range spans {
		if at, ok := from[s.partition]; ok {
			switch {
			case at > s.last:
				return fmt.Errorf("partition %d: position %d is beyond its end %d (positions from another log?)", s.partition, at, s.last)
			case at < s.first:
				l.logger.Warn("replay position removed by retention; reading from the earliest retained record", "topic", topic, "partition", s.partition, "position", at, "earliest", s.first)
			default:
				s.first = at
			}
		}
		if err := l.replayPartition(ctx, client, topic, s, h); err != nil {
			return err
		}
	}
	for part := range from {
		if !slices.ContainsFunc(spans, func(s span) bool { return s.partition == part }) && from[part] > 0 {
			return fmt.Errorf("partition %d of the positions does not exist", part)
		}
	}
	return nil
}

func (l *Log) partitionsOf(ctx context.Context, client *kafka.Client, topic string) ([]int, error) {
	var parts []int
	err := l.retry(ctx, "reading partitions of "+topic, func(ctx context.Context) error {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		if err != nil {
			return err
		}
		for _, t := range md.Topics {
			if t.Name != topic {
				continue
			}
			if t.Error != nil {
				return t.Error
			}
			parts = parts[:0]
			for _, p := range t.Partitions {
				parts = append(parts, p.ID)
			}
			slices.Sort(parts)
			return nil
		}
		return kafka.UnknownTopicOrPartition
	})
	// A missing topic is not worth retrying, but kafka-go calls it temporary.
	return parts, err
}

// offsetsOf returns each partition's earliest offset and high-water mark.
func (l *Log) offsetsOf(ctx context.Context, client *kafka.Client, topic string, parts []int) ([]span, error) {
	reqs := make([]kafka.OffsetRequest, 0, 2*len(parts))
	for _, p := range parts {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	var spans []span
	err := l.retry(ctx, "listing offsets of "+topic, func(ctx context.Context) error {
		resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
		if err != nil {
			return err
		}
		spans = spans[:0]
		for _, po := range resp.Topics[topic] {
			if po.Error != nil {
				return fmt.Errorf("partition %d: %w", po.Partition, po.Error)
			}
			spans = append(spans, span{po.Partition, po.FirstOffset, po.LastOffset})
		}
		if len(spans) != len(parts) {
			return fmt.Errorf("offsets of %d partitions, want %d", len(spans), len(parts))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing offsets: %w", err)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.partition - b.partition })
	return spans, nil
}

func (l *Log) replayPartition(ctx context.Context, client *kafka.Client, topic string, s span, h eventlog.Handler) error {
	next := s.first
	batch := make([]eventlog.Record, 0, l.cfg.MaxBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := h(ctx, batch)
		batch = make([]eventlog.Record, 0, l.cfg.MaxBatch) // h may keep the slice
		if err != nil {
			return fmt.Errorf("handler failed at partition %d offset %d: %w", s.partition, next, err)
		}
		return nil
	}
	for next < s.last {
		var recs []fetched
		err := l.retry(ctx, "fetching "+topic, func(ctx context.Context) error {
			var err error
			recs, err = fetch(ctx, client, topic, s.partition, next, l.cfg.FetchMaxBytes)
			return err
		})
		if errors.Is(err, kafka.OffsetOutOfRange) {
			// Retention removed records while we read: go on from the new start.
			spans, lerr := l.offsetsOf(ctx, client, topic, []int{s.partition})
			if lerr != nil || spans[0].first <= next {
				return fmt.Errorf("fetching partition %d at offset %d: %w", s.partition, next, err)
			}
			l.logger.Warn("records removed during replay", "topic", topic, "partition", s.partition, "from", next, "to", spans[0].first)
			next = spans[0].first
			continue
		}
		if err != nil {
			return fmt.Errorf("fetching partition %d at offset %d: %w", s.partition, next, err)
		}
		progressed := false
		for _, rec := range recs {
			if rec.offset < next {
				continue // a fetch may return a batch from before the offset asked for
			}
			if rec.offset >= s.last {
				break
			}
			progressed = true
			next = rec.offset + 1
			e, err := decodeEnvelope(rec.value)
			if err != nil {
				l.logger.Warn("skipping malformed record", "topic", topic, "partition", s.partition, "offset", rec.offset, "reason", err)
				continue
			}
			batch = append(batch, eventlog.Record{Topic: topic, Partition: s.partition, Offset: rec.offset, Event: e})
			if len(batch) == l.cfg.MaxBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if !progressed {
			// Nothing readable below the high-water mark (a gap left by
			// compaction or control records): the partition is done.
			break
		}
	}
	return flush()
}

// fetched is one record read by Replay.
type fetched struct {
	offset int64
	value  []byte
}

// fetch reads the records of one partition from offset on.
func fetch(ctx context.Context, client *kafka.Client, topic string, partition int, offset int64, maxBytes int) ([]fetched, error) {
	resp, err := client.Fetch(ctx, &kafka.FetchRequest{
		Topic:     topic,
		Partition: partition,
		Offset:    offset,
		MinBytes:  1,
		MaxBytes:  int64(maxBytes),
		MaxWait:   100 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	if c, ok := resp.Records.(io.Closer); ok {
		defer c.Close()
	}
	var recs []fetched
	for {
		rec, err := resp.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return nil, err
		}
		// The record is valid until the next ReadRecord: keep a copy of what we use.
		value, err := kafka.ReadAll(rec.Value)
		if err != nil {
			return nil, err
		}
		recs = append(recs, fetched{rec.Offset, value})
	}
}

// Close stops every call in flight (they return errors wrapping
// eventlog.ErrClosed; a consumer whose handler already succeeded still
// commits), waits for them, flushes and closes the writer and drops the
// connections. It is idempotent; later calls return ErrClosed.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		l.stopAll()
		l.ops.Wait()
		if err := l.writer.Close(); err != nil {
			l.closeErr = fmt.Errorf("kafkalog: closing writer: %w", err)
		}
		l.transport.CloseIdleConnections()
	})
	return l.closeErr
}

// checkTopic applies Kafka's rules for topic names.
func checkTopic(topic string) error {
	if topic == "" || topic == "." || topic == ".." || len(topic) > 249 {
		return fmt.Errorf("invalid topic name %q", topic)
	}
	for _, r := range topic {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("invalid topic name %q: only letters, digits, '.', '_' and '-' are allowed", topic)
		}
	}
	return nil
}

// retry runs fn up to attempts times while it fails with a transient error:
// a broken connection (kafka-go reports a connection the broker dropped, as
// after a restart, as "unexpected EOF" once) or a retriable Kafka error.
// If ctx ends first the error wraps ctx.Err().
func (l *Log) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	const attempts = 5
	wait := backoff.Backoff{Min: 50 * time.Millisecond, Max: time.Second}
	for i := 1; ; i++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if errors.Is(err, ctx.Err()) {
				return err
			}
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		}
		if i >= attempts || !transient(err) {
			return err
		}
		d := wait.Delay(i)
		l.logger.Debug("retrying", "what", what, "attempt", i, "backoff", d, "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func transient(err error) bool {
	if errors.Is(err, kafka.UnknownTopicOrPartition) {
		return false // kafka-go calls it temporary; for us it is an answer
	}
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		// kafka-go reports a sub-request of a split request (ListOffsets
		// sends one per partition) that failed on the wire, as after a
		// broker restart, as the partition error -1 UNKNOWN.
		return kerr == kafka.Unknown || kerr.Temporary()
	}
	var nerr net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &nerr) && nerr.Timeout()
}

// kafkaLogger adapts logger to kafka-go, or returns nil if level is disabled.
func kafkaLogger(logger *slog.Logger, level slog.Level, part string) kafka.Logger {
	if !logger.Enabled(context.Background(), level) {
		return nil
	}
	return kafka.LoggerFunc(func(msg string, args ...any) {
		logger.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(msg, args...)), "part", part)
	})
}
