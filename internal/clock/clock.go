// Package clock holds the time zone yuqing counts civil time in when
// nothing says otherwise: Beijing time, in which posts say 今天 and 昨晚,
// deadlines fall due and reports count their days.
//
// Where a setting names a zone (a source's timezone, a report's or a
// calendar's zone), that setting is loaded with time.LoadLocation and
// Beijing is only the fallback for hosts without a zoneinfo database.
package clock

import (
	"sync"
	"time"
)

// Beijing is China Standard Time, UTC+8 all year: China has had no daylight
// saving time since 1991, so for every time yuqing handles it equals
// Asia/Shanghai, without needing a zoneinfo database. Its name is "CST".
// It must not be reassigned.
var Beijing = time.FixedZone("CST", 8*60*60)

// Shanghai returns the Asia/Shanghai zone of the host's zoneinfo database
// (or of time/tzdata, when the binary embeds it), for times whose Location
// is shown or compared by name; Beijing when neither has it. It loads the
// zone once and is safe for concurrent use.
var Shanghai = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return Beijing
})
