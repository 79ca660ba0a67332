package auth

import (
	"context"
	"time"

	"yuqing/internal/eventlog"
)

// CreateUser is what `yuqing user add` calls: it loads the users topic from
// log and creates one account with the default bcrypt cost. It reads
// nothing from the terminal; the command supplies the password (from
// --password-stdin) and the actor (e.g. "cli:" + the OS user). A running
// server sees the new account once its Directory.Follow consumes it, or on
// restart.
func CreateUser(ctx context.Context, log eventlog.Log, username, display, password string, roles []string, actor string) (User, error) {
	d, err := NewDirectory(log, time.Now, DefaultBcryptCost, nil)
	if err != nil {
		return User{}, err
	}
	if err := d.Load(ctx); err != nil {
		return User{}, err
	}
	return d.Create(ctx, actor, username, display, password, roles)
}
