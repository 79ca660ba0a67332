package workorder_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"yuqing/ingest/hotline"
	"yuqing/respond/calendar"
	"yuqing/respond/workorder"
)

// Every record the hotline readers return opens a work order with its
// category, channel and receipt time.
func TestIntakeRecordsOpenWorkOrders(t *testing.T) {
	b, err := os.ReadFile("../../ingest/hotline/testdata/12345_utf8_bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CST", 8*3600)
	recs, _, err := hotline.ReadCSV(bytes.NewReader(b), hotline.Options{Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, loc) }})
	if err != nil || len(recs) == 0 {
		t.Fatalf("%d records: %v", len(recs), err)
	}
	for _, r := range recs {
		cmd := workorder.FromIntake(r)
		if cmd.ReceivedAt != r.ReceivedAt || cmd.Category != r.Category || cmd.Channel != r.Channel || cmd.Text != r.Text {
			t.Errorf("command %+v of record %+v", cmd, r)
		}
		s := &workorder.State{ID: r.OrderID}
		evs, err := workorder.Decide(s, workorder.DefaultPolicy(), calendar.Default(), cmd, r.ReceivedAt.Add(24*time.Hour))
		if err != nil || len(evs) < 3 {
			t.Errorf("receive %s: %v %+v", r.OrderID, err, evs)
		}
	}
}
