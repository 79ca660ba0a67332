package eventlog

import (
	"context"
	"maps"
	"time"
)

// Notifier is implemented by logs that can tell a follower at once that
// something may have been appended (the embedded log, for appends by this
// process). Appended returns a channel closed at the next append; nil when
// the log cannot tell (followers poll).
type Notifier interface {
	Appended() <-chan struct{}
}

// FollowPoll is how often Follow looks for records appended by others.
const FollowPoll = 100 * time.Millisecond

// Follow delivers topic from positions from (nil: from the start) and then
// every record appended later, until ctx is done (returning ctx.Err()) or h
// fails. It uses no consumer group: it is for in-memory projections (the
// console board, the account directory, the scheme registry) that rebuild
// at every start and must leave no group behind. caughtUp, if not nil, is
// called once, when everything appended before Follow began has been
// handled. Delivery is in log order per partition.
func Follow(ctx context.Context, l Log, topic string, from Positions, h Handler, caughtUp func()) error {
	pos := Positions{}
	maps.Copy(pos, from)
	target, err := l.Ends(ctx, topic)
	if err != nil {
		return err
	}
	n, _ := l.(Notifier)
	for {
		var appended <-chan struct{}
		if n != nil {
			appended = n.Appended() // before reading: an append after it wakes us
		}
		got := 0
		err := l.ReplayFrom(ctx, topic, pos, func(ctx context.Context, batch []Record) error {
			got += len(batch)
			if err := h(ctx, batch); err != nil {
				return err
			}
			pos.Advance(batch)
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if target != nil && pos.Behind(target) == 0 {
			target = nil
			if caughtUp != nil {
				caughtUp()
			}
		}
		if got > 0 {
			continue
		}
		t := time.NewTimer(FollowPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-appended:
		case <-t.C:
		}
		t.Stop()
	}
}
