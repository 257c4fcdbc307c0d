package main

// End-to-end tests of `linger rename`.

import (
	"strings"
	"testing"

	"linger/socket"
)

func TestRename(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{"a", "other"} {
		if r := e.Run(append([]string{"new", "-d", name}, naShSession...)...); r.Code != 0 {
			t.Fatalf("new -d %s: %v", name, r)
		}
	}
	if r := e.Run("rename", "a", "b"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("rename a b: %v", r)
	}
	list := naLsJSON(t, e)
	if naSession(list, "a") != nil || naSession(list, "b") == nil || naSession(list, "b").ID != 1 {
		t.Fatalf("ls after rename a b: %+v", list)
	}
	if r := e.Run("ls"); !strings.Contains(r.Stdout, " b ") {
		t.Errorf("ls should show b\n%v", r)
	}
	// the old name is gone, for every command
	naWantErr(t, e.Run("kill", "a"), 1, `no session named "a"`)
	naWantErr(t, e.Run("rename", "a", "c"), 1, `no session named "a"`)
	tm := e.Start(80, 24, "attach", "a")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("attach a after the rename: exit %d, want 1", code)
	}
	tm.WaitText(`no session named "a"`)

	// the new name works; programs inside keep LINGER_SESSION, the ID
	// still finds the session
	tm = e.Start(80, 24, "attach", "b")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=a")
	naShRun(tm, `linger ls --json | grep -c '"availability": "Available"'`, "1")
	// renamed while attached: the client leaves under the new name
	if r := e.Run("rename", "1", "c"); r.Code != 0 {
		t.Fatalf("rename by ID: %v", r)
	}
	naDetachAndWait(t, tm, "c")

	// names follow new's rules (usage errors); a taken name is refused
	for _, bad := range []string{"123", "x y", "", "a/b", strings.Repeat("n", 65)} {
		naWantErr(t, e.Run("rename", "c", bad), 2)
	}
	naWantErr(t, e.Run("rename", "c"), 2, "linger rename OLD NEW")
	naWantErr(t, e.Run("rename", "c", "other"), 1, `session "other" already exists`)
	if r := e.Run("rename", "c", "c"); r.Code != 0 {
		t.Errorf("rename to its own name: %v", r)
	}
	if r := e.Run("kill", "c"); r.Code != 0 {
		t.Errorf("kill by the new name: %v", r)
	}
	if s := naSession(naLsJSON(t, e), "other"); s == nil {
		t.Errorf("the other session is gone")
	}
}

// TestRenameClosed: a Closed session can be renamed; attach by the new
// name reports its status.
func TestRenameClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	if r := e.Run("new", "-d", "job", "--", "sh", "-c", "exit 3"); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	naWaitSession(t, e, "job", "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	if r := e.Run("rename", "job", "done"); r.Code != 0 {
		t.Fatalf("rename a Closed session: %v", r)
	}
	if s := naSession(naLsJSON(t, e), "done"); s == nil || s.State != "Closed" {
		t.Fatalf("ls after renaming a Closed session: %+v", s)
	}
	tm := e.Start(80, 24, "attach", "done")
	if code := tm.WaitExit(); code != 3 {
		t.Errorf("attach done: exit %d, want 3", code)
	}
}
