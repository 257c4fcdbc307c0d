package main

// End-to-end tests of what new checks before it makes a session: that
// log_file can be opened, and --detach-key with -d.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogFileMissingDirectory: new fails, with what to do, when log_file
// cannot be created; no session is made.
func TestLogFileMissingDirectory(t *testing.T) {
	e := newEnv(t)
	notDir := filepath.Join(e.Dir, "afile")
	writeFile(t, notDir, "x")
	ro := filepath.Join(e.Dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	e.WriteConfig("[server]\nexit_when_empty = false\n" +
		"[configurations.default]\nlog_file = \"" + e.Dir + "/nodir/{name}.log\"\n" +
		"[configurations.notdir]\nlog_file = \"" + notDir + "/x.log\"\n" +
		"[configurations.ro]\nlog_file = \"" + ro + "/x.log\"\n")
	r := e.Run("new", "-d", "a", "--", "sleep", "100")
	naWantErr(t, r, 1, `log_file "`+e.Dir+`/nodir/a.log"`, "directory "+e.Dir+"/nodir does not exist", "change log_file")
	r = e.Run("new", "-d", "-C", "notdir", "b", "--", "sleep", "100")
	naWantErr(t, r, 1, `log_file "`+notDir+`/x.log"`, `configuration "notdir"`)
	if os.Geteuid() != 0 { // root writes anywhere
		r = e.Run("new", "-d", "-C", "ro", "c", "--", "sleep", "100")
		naWantErr(t, r, 1, `log_file "`+ro+`/x.log"`, "cannot write there", "permission denied")
	}
	if r := e.Run("ls", "--json"); r.Code != 0 || r.Stdout != "[]\n" {
		t.Errorf("ls --json after the failed news: want no session\n%v", r)
	}
	// attached too
	tm := e.Start(80, 24, "new", "d")
	if code := tm.WaitExit(); code != 1 || !strings.Contains(tm.Screen(), "does not exist") {
		t.Errorf("new (attached) with a missing log directory: exit %d\n%s", code, tm.Screen())
	}
	if r := e.Run("ls", "--json"); r.Stdout != "[]\n" {
		t.Errorf("ls --json after the failed attached new: %v", r)
	}
}

// TestNewDetachedChecksDetachKey: --detach-key is checked with -d too.
func TestNewDetachedChecksDetachKey(t *testing.T) {
	e := newEnv(t)
	r := e.Run("new", "-d", "--detach-key", "bogus", "x", "--", "sleep", "100")
	naWantErr(t, r, 2, "--detach-key")
	if fileExists(e.Sock) {
		t.Errorf("new -d with a bad --detach-key started a server")
	}
}
