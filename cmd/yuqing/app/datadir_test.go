package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Two servers on one data directory would both analyse every mention: the
// second start fails at once, naming the directory and the holder's PID,
// and the first one's exit releases the directory.
func TestDataDirectoryIsLocked(t *testing.T) {
	cfg := Defaults()
	cfg.Data = filepath.Join(t.TempDir(), "data")
	cfg.Addr = "127.0.0.1:0"
	_, stop := startApp(t, cfg)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := Run(ctx, cfg, Options{Logger: slog.New(slog.DiscardHandler), Ready: func(string) {
		t.Error("a second server started on a locked data directory")
		cancel()
	}})
	if err == nil {
		t.Fatal("a second server ran on the same data directory")
	}
	for _, want := range []string{cfg.Data, fmt.Sprintf("%d", os.Getpid()), "in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startApp(t, cfg)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// flock locks belong to open file descriptions: two locks taken in one
// process conflict just as two processes' do, and closing releases.
func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	first, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "lock"))
	if strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("lock file holds %q, want this PID", b)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	first.release()
	second, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	second.release()
}

// Whoever creates them and whatever the umask, the data directory is 0700
// and the log, the store, their WAL files, the secrets and the lock are 0600.
func TestDataDirectoryModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	cfg := Defaults()
	cfg.Data = filepath.Join(t.TempDir(), "data")
	cfg.Addr = "127.0.0.1:0"
	addr, stop := startApp(t, cfg)
	_ = addr
	checkModes(t, cfg.Data)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// An existing directory readable by others is tightened, and so are
	// files an older version left 0644.
	os.Chmod(cfg.Data, 0o755)
	os.Chmod(filepath.Join(cfg.Data, "log.db"), 0o644)
	os.Chmod(filepath.Join(cfg.Data, "analytics.db"), 0o644)
	_, stop = startApp(t, cfg)
	checkModes(t, cfg.Data)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func checkModes(t *testing.T, data string) {
	t.Helper()
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory %s is %v, want 0700", data, fi.Mode().Perm())
	}
	for _, name := range []string{"log.db", "analytics.db", "lock", filepath.Join("secrets", "ingest.token")} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile (a checkpointed WAL file)
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
}
