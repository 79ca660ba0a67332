package sqlitelog

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The log and its WAL files are 0600 and a directory it creates 0700,
// whatever the umask; a log an older version left 0644 is tightened.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "log.db")
	check := func() {
		t.Helper()
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("directory: %v %v, want 0700", fi.Mode().Perm(), err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s is %v, want 0600", p, fi.Mode().Perm())
			}
		}
	}
	l := open(t, path)
	if err := l.Append(t.Context(), "t", ev(t, "test.mode.v1", "k")); err != nil {
		t.Fatal(err)
	}
	check()
	l.Close()

	os.Chmod(path, 0o644)
	l = open(t, path)
	defer l.Close()
	if err := l.Append(t.Context(), "t", ev(t, "test.mode.v1", "k")); err != nil {
		t.Fatal(err)
	}
	check()
}
