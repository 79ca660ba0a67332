package drill

import (
	"context"
	"log/slog"
	"time"

	"yuqing/ingest"
	"yuqing/internal/mention"
)

// Local plays a scenario into the server's own log (`yuqing serve
// --drill`): the mentions are written as the ingest role writes them
// (actor "ingest:drill", source "drill"), in real time scaled by the speed,
// each published "just now" (RealClock).
type Local struct {
	log      ingest.Appender
	scenario string
	speed    float64
	ms       []mention.Mention
	now      func() time.Time
	logger   *slog.Logger
}

// NewLocal generates the stream of the named scenario, started and seeded
// by the clock so every run is new; nothing is written before Run.
func NewLocal(log ingest.Appender, scenario string, speed float64, now func() time.Time, logger *slog.Logger) (*Local, error) {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	start := now()
	ms, err := Stream(scenario, start, uint64(start.UnixNano()))
	if err != nil {
		return nil, err
	}
	return &Local{log: log, scenario: scenario, speed: speed, ms: ms, now: now, logger: logger}, nil
}

// IDs are the run's mention IDs: the evidence of the run's alerts.
func (l *Local) IDs() []string {
	ids := make([]string, len(l.ms))
	for i, m := range l.ms {
		ids[i] = m.ID
	}
	return ids
}

// Run plays the stream once: it returns nil when every mention is in the
// log, the error of the first batch the log refused, or when ctx is done.
func (l *Local) Run(ctx context.Context) error {
	l.logger.Info("drill: playing a scripted incident (舆情演练); every mention, alert and incident is marked drill", "scenario", l.scenario, "mentions", len(l.ms), "speed", l.speed)
	p := &Player{Speed: l.speed, Clock: RealClock, Now: l.now, Post: func(ctx context.Context, batch []mention.Mention) error {
		return ingest.Write(ctx, l.log, batch, nil, "drill", "ingest:drill", l.now())
	}}
	return p.Play(ctx, l.ms)
}
