// Package private keeps the embedded default's files to their owner: the
// event log holds password hashes and the store every mention.
package private

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// File makes path mode 0600, creating it empty first when create is set,
// and tightens a file that group or others could read or write (with a
// warning naming what it holds).
//
// An existing file is changed by its path, never opened: SQLite keeps its
// locks as POSIX record locks, which a process loses on every descriptor of
// the file as soon as it closes any one of them. Opening and closing the
// database, -wal or -shm file here while this process (or, through a lost
// lock, another) has the database open let a second process think it was
// alone and reset the shared memory under the first: "disk I/O error
// (8714)" on commits of a serve beside a one-shot command.
func File(path string, create bool, logger *slog.Logger, what string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && create {
		// A file that does not exist yet holds nobody's locks.
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("creating %s: %w", path, err)
		}
		return f.Close()
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		if perm&0o077 != 0 && fi.Size() > 0 {
			logger.Warn(what+" file was open to other users; restricting it to its owner (0600)", "file", path, "mode", perm.String())
		}
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("restricting %s to mode 0600: %w", path, err)
		}
	}
	return nil
}
