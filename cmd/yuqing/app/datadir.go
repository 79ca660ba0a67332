package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// prepareDataDir creates the data directory with mode 0700 and tightens an
// existing one that group or others can enter: it holds every mention, the
// accounts and the generated secrets.
func prepareDataDir(dir string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating data directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		if perm&0o077 != 0 {
			logger.Warn("data directory was open to other users; restricting it to its owner (0700)", "dir", dir, "mode", perm.String())
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			logger.Warn("could not restrict the data directory to its owner; its files stay 0600", "dir", dir, "err", err)
		}
	}
	return nil
}

// dataLock is the exclusive lock a server holds on its data directory: two
// servers on one embedded log would both analyse every mention.
type dataLock struct{ f *os.File }

// lockDataDir takes DATA/lock without waiting and writes this process's
// PID into it. The kernel drops the lock when the process exits, however
// it exits. flock locks belong to the open file, so a second lock taken in
// this same process fails as well.
func lockDataDir(dir string) (*dataLock, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking data directory %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another yuqing process"
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf("another yuqing process (pid %d)", pid)
			}
			return nil, fmt.Errorf("data directory %s is in use by %s: stop it first, or give this server its own --data", dir, holder)
		}
		return nil, fmt.Errorf("locking data directory %s: %w", dir, err)
	}
	f.Chmod(0o600)
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dataLock{f: f}, nil
}

// release clears the PID and drops the lock.
func (l *dataLock) release() {
	l.f.Truncate(0)
	l.f.Close()
}
