// Package private keeps the embedded default's files to their owner: the
// event log holds password hashes and the store every mention.
package private

import (
	"fmt"
	"log/slog"
	"os"
)

// File makes path mode 0600, creating it empty first when create is set,
// and tightens a file that group or others could read or write (with a
// warning naming what it holds).
func File(path string, create bool, logger *slog.Logger, what string) error {
	flag := os.O_RDONLY
	if create {
		flag |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		if perm&0o077 != 0 && fi.Size() > 0 {
			logger.Warn(what+" file was open to other users; restricting it to its owner (0600)", "file", path, "mode", perm.String())
		}
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("restricting %s to mode 0600: %w", path, err)
		}
	}
	return nil
}
