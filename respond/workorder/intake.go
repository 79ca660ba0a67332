package workorder

import "yuqing/ingest/hotline"

// FromIntake is the command that opens the work order of a 12345 or
// message-board record as ingest read it.
func FromIntake(r hotline.Record) Receive {
	return Receive{Received: Received{
		ReceivedAt: r.ReceivedAt,
		Channel:    r.Channel,
		Category:   r.Category,
		Locality:   r.Locality,
		Unit:       r.Unit,
		Title:      r.Title,
		Text:       r.Text,
	}}
}
