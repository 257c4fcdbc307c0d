package main

// End-to-end tests of `linger ls` (table and --json), plus the helpers the
// other e2e files of this package share (cmd_kill_test.go,
// cmd_server_test.go, security_test.go): process inspection through /proc,
// finding the server of an env, and decoding `ls --json`.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"linger/socket"
)

// ---------------------------------------------------------------------------
// shared helpers

// procStat is the part of /proc/PID/stat the tests look at.
type procStat struct {
	State   byte
	Ppid    int
	Pgrp    int
	Session int
	TTYNr   int
}

// readProcStat parses /proc/PID/stat; ok is false if the process is gone.
func readProcStat(pid int) (st procStat, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return st, false
	}
	// comm may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return st, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 5 {
		return st, false
	}
	st.State = f[0][0]
	st.Ppid, _ = strconv.Atoi(f[1])
	st.Pgrp, _ = strconv.Atoi(f[2])
	st.Session, _ = strconv.Atoi(f[3])
	st.TTYNr, _ = strconv.Atoi(f[4])
	return st, true
}

// procAlive reports whether pid is a live process (zombies count as dead).
func procAlive(pid int) bool {
	st, ok := readProcStat(pid)
	return ok && st.State != 'Z' && st.State != 'X'
}

// procArgv is the argv of pid from /proc/PID/cmdline (nil if gone).
func procArgv(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// groupAlive reports whether a live (non-zombie) process is in group pgid.
func groupAlive(pgid int) bool {
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if st, ok := readProcStat(pid); ok && st.Pgrp == pgid && st.State != 'Z' && st.State != 'X' {
			return true
		}
	}
	return false
}

// serverPids lists the live linger server processes serving sock: a process
// whose argv has the word "server" (not "server stop") and sock itself.
func serverPids(sock string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() || !procAlive(pid) {
			continue
		}
		argv := procArgv(pid)
		hasServer, hasSock, stop := false, false, false
		for i, a := range argv {
			switch a {
			case "server":
				hasServer = true
				if i+1 < len(argv) && argv[i+1] == "stop" {
					stop = true
				}
			case sock:
				hasSock = true
			}
		}
		if hasServer && hasSock && !stop && len(argv) > 0 && filepath.Base(argv[0]) == "linger" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// theServer polls until exactly one server serves e.Sock and returns its pid.
func theServer(t *testing.T, e *env) int {
	t.Helper()
	var pids []int
	poll(t, "exactly one server process for "+e.Sock, harnessWait, func() bool {
		pids = serverPids(e.Sock)
		return len(pids) == 1
	})
	return pids[0]
}

// noServer polls until no server process serves sock.
func noServer(t *testing.T, sock string) {
	t.Helper()
	poll(t, "no server process for "+sock, harnessWait, func() bool {
		return len(serverPids(sock)) == 0
	})
}

// fileExists reports whether path exists (without following a symlink).
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// serverLog is the log of the daemon started for e (see logPath).
func serverLog(e *env) string {
	return filepath.Join(e.Dir, "state", "linger", strings.TrimSuffix(filepath.Base(e.Sock), ".sock")+".log")
}

func readFileString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// newDetached runs `linger new -d NAME -- CMD...` and checks it printed NAME.
func newDetached(t *testing.T, e *env, name string, cmd ...string) {
	t.Helper()
	r := e.Run(append([]string{"new", "-d", name, "--"}, cmd...)...)
	if r.Code != 0 || r.Stdout != name+"\n" {
		t.Fatalf("linger new -d %s -- %q: want exit 0 and %q on stdout\n%v", name, cmd, name+"\n", r)
	}
}

// lsJSON runs `linger ls --json` and decodes it.
func lsJSON(t *testing.T, e *env) []map[string]any {
	t.Helper()
	r := e.Run("ls", "--json")
	if r.Code != 0 {
		t.Fatalf("linger ls --json failed\n%v", r)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("linger ls --json: not a JSON array of objects: %v\n%v", err, r)
	}
	return list
}

// sessionByName finds a session in an ls --json list (nil if absent).
func sessionByName(list []map[string]any, name string) map[string]any {
	for _, s := range list {
		if s["name"] == name {
			return s
		}
	}
	return nil
}

// sessionPid is the pid of session name, from ls --json.
func sessionPid(t *testing.T, e *env, name string) int {
	t.Helper()
	s := sessionByName(lsJSON(t, e), name)
	if s == nil {
		t.Fatalf("session %q not in ls --json", name)
	}
	pid, ok := s["pid"].(float64)
	if !ok || pid <= 1 {
		t.Fatalf("session %q: bad pid %#v", name, s["pid"])
	}
	return int(pid)
}

// sessionNames lists the names in ls --json, in order.
func sessionNames(t *testing.T, e *env) []string {
	t.Helper()
	var names []string
	for _, s := range lsJSON(t, e) {
		n, _ := s["name"].(string)
		names = append(names, n)
	}
	return names
}

// waitGone polls until pid has ended.
func waitGone(t *testing.T, pid int, timeout time.Duration, what string) {
	t.Helper()
	poll(t, what+" (pid "+strconv.Itoa(pid)+") to end", timeout, func() bool { return !procAlive(pid) })
}

var tableSep = regexp.MustCompile(`\s{2,}`)

// tableRows splits ls's table output into rows of cells (columns are
// separated by at least two spaces; cells hold at most single spaces).
func tableRows(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		rows = append(rows, tableSep.Split(strings.TrimRight(line, " "), -1))
	}
	return rows
}

// runBin runs the linger binary without a testing.T (safe in goroutines).
func runBin(envv []string, dir string, args ...string) (result, error) {
	return runBinFor(harnessRunTimeout, 3*time.Second, envv, dir, args...)
}

// runBinFor is runBin with a time limit and how long to wait for the
// output once the binary exits (daemons it started may hold its pipes).
func runBinFor(limit, waitDelay time.Duration, envv []string, dir string, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := exec.CommandContext(ctx, lingerBin, args...)
	c.Env, c.Dir = envv, dir
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = waitDelay
	err := c.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Code: -1}
	if c.ProcessState != nil {
		r.Code = c.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if _, ok := err.(*exec.ExitError); ok {
		err = nil
	}
	return r, err
}

// ---------------------------------------------------------------------------
// ls

var (
	lsHeader     = []string{"ID", "NAME", "STATE", "AVAILABILITY", "IDLE", "COMMAND"}
	lsLongHeader = []string{"ID", "NAME", "STATE", "AVAILABILITY", "IDLE", "CONFIGURATION", "BUFFERING", "UNRECEIVED", "DROPPED", "CREATED", "CLIENT", "DISCONNECTED", "COMMAND"}
)

// TestListTable: by default the columns a person scans, the command whole
// when stdout is not a terminal.
func TestListTable(t *testing.T) {
	e := newEnv(t)
	long := "sleep 100; " + strings.Repeat("echo a long command line; ", 8)
	newDetached(t, e, "x", "sh", "-c", long)
	// Listed as soon as new returns: no polling.
	r := e.Run("ls")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("linger ls\n%v", r)
	}
	rows := tableRows(r.Stdout)
	if len(rows) != 2 {
		t.Fatalf("want a header and one row, got %d rows\n%s", len(rows), r.Stdout)
	}
	if strings.Join(rows[0], "|") != strings.Join(lsHeader, "|") {
		t.Errorf("header = %q, want %q", rows[0], lsHeader)
	}
	want := []string{"1", "x", "Disconnected", "None", "none", "sh -c '" + long + "'"}
	if strings.Join(rows[1], "|") != strings.Join(want, "|") {
		t.Errorf("row = %q, want %q\n%s", rows[1], want, r.Stdout)
	}

	// A second session comes after the first, with the next ID.
	r = e.Run("new", "-d", "--size", "100x30", "y", "--", "sleep", "100")
	if r.Code != 0 || r.Stdout != "y\n" {
		t.Fatalf("new -d --size 100x30 y\n%v", r)
	}
	rows = tableRows(e.Run("ls").Stdout)
	if len(rows) != 3 || rows[1][1] != "x" || rows[2][0] != "2" || rows[2][1] != "y" || rows[2][5] != "sleep 100" {
		t.Errorf("after a second session, rows = %q", rows)
	}
}

// TestListLong: -l (--long) adds configuration, buffering, sizes in the
// human form, and age.
func TestListLong(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[configurations.default]\noutput_buffering = \"drop\"\nbuffer_size = \"4KiB\"\n")
	// 4KiB and 2KiB more: 4KiB held (drop mode), 2KiB dropped.
	newDetached(t, e, "x", "sh", "-c", "head -c 6144 /dev/zero; sleep 100")
	naWaitSession(t, e, "x", "4KiB held, 2KiB dropped", func(s *socket.SessionInfo) bool { return s.BufferedBytes == 4096 && s.DroppedBytes == 2048 })
	for _, flag := range []string{"-l", "--long"} {
		r := e.Run("ls", flag)
		table, conf, _ := strings.Cut(r.Stdout, "\nconfiguration: ")
		rows := tableRows(table)
		if r.Code != 0 || len(rows) != 2 {
			t.Fatalf("ls %s\n%v", flag, r)
		}
		// the last line names the configuration the server loaded
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(e.Config) + `, modified \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, loaded \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$`).MatchString(conf) {
			t.Errorf("ls %s: configuration line %q, want the file with its times", flag, conf)
		}
		if strings.Join(rows[0], "|") != strings.Join(lsLongHeader, "|") {
			t.Errorf("ls %s header = %q, want %q", flag, rows[0], lsLongHeader)
		}
		row := rows[1]
		want := []string{"1", "x", "Disconnected", "None", "none", "default", "drop", "4.0KiB", "2.0KiB", "", "-", "", "sh -c 'head -c 6144 /dev/zero; sleep 100'"}
		if len(row) != len(want) {
			t.Fatalf("row has %d cells %q, want %d\n%s", len(row), row, len(want), r.Stdout)
		}
		for i, w := range want {
			if i == 9 || i == 11 { // CREATED, and DISCONNECTED of a session never attached
				if !regexp.MustCompile(`^\d+s ago$`).MatchString(row[i]) {
					t.Errorf("%s = %q, want \"Ns ago\"", lsLongHeader[i], row[i])
				}
			} else if row[i] != w {
				t.Errorf("%s = %q, want %q\n%s", lsLongHeader[i], row[i], w, r.Stdout)
			}
		}
	}
	if err := os.WriteFile(e.Config, []byte("# changed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("ls", "-l"); !strings.HasSuffix(r.Stdout, "; the file changed since: 'linger server reload' reads it\n") {
		t.Errorf("ls -l after the file changed: want it said\n%v", r)
	}
}

// TestListFitsTerminal: on a terminal of 80 columns no line of ls is
// wider, a long COMMAND ending in an ellipsis; -l shows it whole.
func TestListFitsTerminal(t *testing.T) {
	e := newEnv(t)
	long := "sleep 100; " + strings.Repeat("echo a long command line; ", 8)
	newDetached(t, e, "build", "sh", "-c", long)
	newDetached(t, e, "three", "sh", "-c", "exit 3")
	naWaitSession(t, e, "three", "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	tm := e.Start(80, 24, "ls")
	if code := tm.WaitExit(); code != 0 {
		t.Fatalf("ls on a terminal: exit %d\n%s", code, tm.Screen())
	}
	out := strings.TrimRight(strings.ReplaceAll(string(tm.Output()), "\r\n", "\n"), "\n")
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("want a header and two rows:\n%s", out)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("a line of %d columns on a terminal of 80:\n%s", n, l)
		}
	}
	if !strings.HasSuffix(lines[1], "…") || len([]rune(lines[1])) != 80 || !strings.Contains(lines[1], "sh -c 'sleep 100; echo a long") {
		t.Errorf("the long COMMAND is not cut to 80 columns with an ellipsis:\n%s", lines[1])
	}
	if !strings.HasSuffix(lines[2], "sh -c 'exit 3'") {
		t.Errorf("a short COMMAND is cut:\n%s", lines[2])
	}
	tm = e.Start(80, 24, "ls", "-l")
	tm.WaitExit()
	if got := strings.ReplaceAll(string(tm.Output()), "\r\n", "\n"); !strings.Contains(got, "sh -c '"+long+"'\n") {
		t.Errorf("ls -l on a terminal cut COMMAND:\n%s", got)
	}
}

func TestListJSON(t *testing.T) {
	e := newEnv(t)
	before := time.Now().Add(-time.Second)
	newDetached(t, e, "j", "sleep", "100")
	r := e.Run("ls", "--json")
	after := time.Now().Add(time.Second)
	if r.Code != 0 {
		t.Fatalf("ls --json\n%v", r)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("ls --json is not an array of objects: %v\n%s", err, r.Stdout)
	}
	if len(list) != 1 {
		t.Fatalf("want 1 session, got %d\n%s", len(list), r.Stdout)
	}
	s := list[0]

	// Every documented field, with its JSON type, always present (null
	// without a value); nothing else.
	types := map[string]string{
		"exit_status": "null", "log_file": "null", "log_error": "null",
		"id": "number", "name": "string", "state": "string", "availability": "string",
		"configuration": "string", "command": "array", "cwd": "string", "pid": "number",
		"created": "string", "clients": "number", "size": "object",
		"output_buffering": "string", "buffer_size": "number", "buffered_bytes": "number",
		"dropped_bytes": "number", "suspended": "bool", "idle_timeout_seconds": "number",
		"idle_expires_at": "null", "exit_code": "null", "exit_signal": "null",
		"last_client": "null", "disconnected_since": "string",
	}
	kind := func(v any) string {
		switch v.(type) {
		case float64:
			return "number"
		case string:
			return "string"
		case []any:
			return "array"
		case map[string]any:
			return "object"
		case bool:
			return "bool"
		case nil:
			return "null"
		}
		return "?"
	}
	for k, want := range types {
		v, ok := s[k]
		if !ok {
			t.Errorf("field %q missing\n%s", k, r.Stdout)
			continue
		}
		if got := kind(v); got != want {
			t.Errorf("field %q is a %s (%#v), want a %s", k, got, v, want)
		}
	}
	for k := range s {
		if _, ok := types[k]; !ok {
			t.Errorf("unexpected field %q = %#v", k, s[k])
		}
	}

	if s["id"] != float64(1) || s["name"] != "j" || s["state"] != "Disconnected" ||
		s["availability"] != "None" || s["configuration"] != "default" || s["clients"] != float64(0) {
		t.Errorf("id/name/state/availability/configuration/clients wrong: %v", s)
	}
	if cmd, _ := s["command"].([]any); len(cmd) != 2 || cmd[0] != "sleep" || cmd[1] != "100" {
		t.Errorf("command = %#v, want [sleep 100]", s["command"])
	}
	if s["cwd"] != e.Home {
		t.Errorf("cwd = %#v, want the client's directory %q", s["cwd"], e.Home)
	}
	if size, _ := s["size"].(map[string]any); size["cols"] != float64(80) || size["rows"] != float64(24) || len(size) != 2 {
		t.Errorf("size = %#v, want {cols: 80, rows: 24}", s["size"])
	}
	created, err := time.Parse(time.RFC3339, s["created"].(string))
	if err != nil {
		t.Errorf("created %q is not RFC 3339: %v", s["created"], err)
	} else if created.Before(before) || created.After(after) {
		t.Errorf("created = %v, want between %v and %v", created, before, after)
	}

	pid := int(s["pid"].(float64))
	if !procAlive(pid) {
		t.Fatalf("pid %d is not a live process", pid)
	}
	if argv := procArgv(pid); strings.Join(argv, " ") != "sleep 100" {
		t.Errorf("pid %d runs %q, want the session's command [sleep 100]", pid, argv)
	}
}

// TestListNoServer: with no server there are no sessions, and ls says so
// without starting one.
func TestListNoServer(t *testing.T) {
	e := newEnv(t)
	r := e.Run("ls", "--json")
	if r.Code != 0 || r.Stdout != "[]\n" || r.Stderr != "" {
		t.Errorf("ls --json with no server: want `[]` and exit 0\n%v", r)
	}
	for _, args := range [][]string{{"ls"}, {"ls", "-l"}, {"ls", "--state", "closed"}} {
		if r = e.Run(args...); r.Code != 0 || r.Stdout != "no sessions\n" || r.Stderr != "" {
			t.Errorf("%q with no server: want `no sessions` and exit 0\n%v", args, r)
		}
	}
	if r = e.Run("ls", "x"); r.Code == 0 || r.Stdout != "" || r.Stderr != "linger: no session named \"x\" (try 'linger ls')\n" {
		t.Errorf("ls x with no server: want no session named \"x\"\n%v", r)
	}
	// None started a server.
	if fileExists(e.Sock) || len(serverPids(e.Sock)) != 0 {
		t.Errorf("ls started a server (socket exists: %v, servers: %v)", fileExists(e.Sock), serverPids(e.Sock))
	}
}

// TestListAfterKillAll: with the server kept and its sessions killed, ls
// says "no sessions" and --json [].
func TestListAfterKillAll(t *testing.T) {
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "a", "sleep", "100")
	newDetached(t, e, "b", "sleep", "100")
	if r := e.Run("kill", "--all"); r.Code != 0 {
		t.Fatalf("kill --all\n%v", r)
	}
	for _, args := range [][]string{{"ls"}, {"ls", "-l"}} {
		if r := e.Run(args...); r.Code != 0 || r.Stdout != "no sessions\n" || r.Stderr != "" {
			t.Errorf("%q after kill --all: want `no sessions`, exit 0\n%v", args, r)
		}
	}
	if r := e.Run("ls", "--json"); r.Code != 0 || r.Stdout != "[]\n" {
		t.Errorf("ls --json after kill --all: want []\n%v", r)
	}
}

// TestListFilters: ls NAME|ID... lists only those (each must exist), and
// --state (repeatable, any case) only sessions in those states.
func TestListFilters(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "a", "sleep", "100")
	newDetached(t, e, "b", "sleep", "100")
	newDetached(t, e, "c", "sh", "-c", "exit 3")
	naWaitSession(t, e, "c", "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	names := func(args ...string) string {
		t.Helper()
		r := e.Run(append([]string{"ls", "--json"}, args...)...)
		var list []socket.SessionInfo
		if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &list) != nil {
			t.Fatalf("ls --json %q\n%v", args, r)
		}
		var n []string
		for _, s := range list {
			n = append(n, s.Name)
		}
		return strings.Join(n, ",")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "a,b,c"},
		{[]string{"c", "a"}, "a,c"},
		{[]string{"2"}, "b"},
		{[]string{"b", "2"}, "b"},
		{[]string{"--state", "Closed"}, "c"},
		{[]string{"--state", "disconnected"}, "a,b"},
		{[]string{"--state", "CLOSED", "--state", "Disconnected"}, "a,b,c"},
		{[]string{"--state", "Opened"}, ""},
		{[]string{"--state", "Broken", "a"}, ""},
		{[]string{"--state", "Disconnected", "a", "c"}, "a"},
	} {
		if got := names(c.args...); got != c.want {
			t.Errorf("ls --json %q lists %q, want %q", c.args, got, c.want)
		}
	}
	// The table too, and "no sessions" when none matches.
	if rows := tableRows(e.Run("ls", "--state", "closed").Stdout); len(rows) != 2 || rows[1][1] != "c" {
		t.Errorf("ls --state closed: rows %q", rows)
	}
	if r := e.Run("ls", "--state", "Opened"); r.Code != 0 || r.Stdout != "no sessions\n" {
		t.Errorf("ls --state Opened with none: want `no sessions`\n%v", r)
	}
	// An unknown name or ID is an error naming it; nothing is listed.
	for _, c := range []struct{ args, msg string }{
		{"a nope", `linger: no session named "nope" (try 'linger ls')`},
		{"9", `linger: no session with ID 9 (try 'linger ls')`},
	} {
		r := e.Run(append([]string{"ls"}, strings.Fields(c.args)...)...)
		if r.Code != 1 || r.Stdout != "" || r.Stderr != c.msg+"\n" {
			t.Errorf("ls %s: want exit 1 and %q\n%v", c.args, c.msg, r)
		}
	}
	// A bad state is a usage error listing the valid ones.
	r := e.Run("ls", "--state", "running")
	if want := "linger: invalid state \"running\" (expected: Opened|Disconnected|Broken|Closed)\n"; r.Code != 2 || r.Stderr != want {
		t.Errorf("ls --state running: want exit 2 and %q\n%v", want, r)
	}
}

// TestListClosedStatus: a Closed session's STATE says how it ended,
// briefly: "status 3", "signal 15", and "killed" for signal 9.
func TestListClosedStatus(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "three", "sh", "-c", "exit 3")
	newDetached(t, e, "term", "sh", "-c", "kill -TERM $$")
	newDetached(t, e, "nine", "sh", "-c", "kill -KILL $$")
	for _, n := range []string{"three", "term", "nine"} {
		naWaitSession(t, e, n, "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	}
	rows := tableRows(e.Run("ls").Stdout)
	want := map[string]string{"three": "Closed (status 3)", "term": "Closed (signal 15)", "nine": "Closed (killed)"}
	if len(rows) != 4 {
		t.Fatalf("rows %q", rows)
	}
	for _, row := range rows[1:] {
		if row[2] != want[row[1]] {
			t.Errorf("session %s: STATE %q, want %q", row[1], row[2], want[row[1]])
		}
	}
	for _, s := range naLsJSON(t, e) {
		if w := strings.TrimSuffix(strings.TrimPrefix(want[s.Name], "Closed ("), ")"); deref(s.ExitStatus) != w {
			t.Errorf("session %s: exit_status %q, want %q", s.Name, deref(s.ExitStatus), w)
		}
	}
}

func TestListClosedSession(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "keep", "sleep", "100")
	newDetached(t, e, "three", "sh", "-c", "exit 3")
	var s map[string]any
	poll(t, "session three to be Closed in ls --json", harnessWait, func() bool {
		s = sessionByName(lsJSON(t, e), "three")
		return s != nil && s["state"] == "Closed"
	})
	if s["exit_status"] != "status 3" || s["availability"] != "None" {
		t.Errorf("closed session: exit_status = %#v availability = %#v, want \"status 3\" and None", s["exit_status"], s["availability"])
	}
	r := e.Run("ls")
	rows := tableRows(r.Stdout)
	if len(rows) != 3 {
		t.Fatalf("want header + 2 rows\n%v", r)
	}
	if rows[2][1] != "three" || rows[2][2] != "Closed (status 3)" || rows[2][3] != "None" {
		t.Errorf("closed row = %q, want STATE \"Closed (status 3)\", AVAILABILITY None", rows[2])
	}
	if rows[1][1] != "keep" || rows[1][2] != "Disconnected" {
		t.Errorf("running row = %q", rows[1])
	}
	// The running session's exit_status is null.
	if k := sessionByName(lsJSON(t, e), "keep"); k == nil || k["exit_status"] != nil || !strings.Contains(e.Run("ls", "--json", "keep").Stdout, `"exit_status": null`) {
		t.Errorf("running session: %v", k)
	}
}

// TestListLastClient: ls says where a session's current or last client
// came from (its terminal, "pts/N") and since when it has had none (its
// creation before any attach, null while attached), through steal,
// rename, detach and the kill of a client; ls -l shows both.
func TestListLastClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "x"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	s := naWaitSession(t, e, "x", "listed", func(*socket.SessionInfo) bool { return true })
	if s.LastClient != nil || s.DisconnectedSince == nil || !s.DisconnectedSince.Equal(s.Created) {
		t.Errorf("never attached: last_client %v disconnected_since %v, want null and the creation %v", s.LastClient, s.DisconnectedSince, s.Created)
	}

	one := e.Start(80, 24, "attach", "x")
	naShRun(one, `echo "a=$((1+1))"`, "a=2")
	s = naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if deref(s.LastClient) != ttPTS(t, one) || s.DisconnectedSince != nil {
		t.Errorf("attached from %s: last_client %q disconnected_since %v, want %q and null", ttPTS(t, one), deref(s.LastClient), s.DisconnectedSince, ttPTS(t, one))
	}

	two := e.Start(80, 24, "attach", "--steal", "x")
	naShRun(two, `echo "b=$((2+1))"`, "b=3")
	naWaitLine(one, "[detached (from session x: taken by "+ttPTS(t, two)+")]")
	s = naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if deref(s.LastClient) != ttPTS(t, two) || s.DisconnectedSince != nil {
		t.Errorf("stolen by %s: last_client %q disconnected_since %v, want %q and null", ttPTS(t, two), deref(s.LastClient), s.DisconnectedSince, ttPTS(t, two))
	}

	if r := e.Run("rename", "x", "y"); r.Code != 0 {
		t.Fatalf("rename: %v", r)
	}
	before := time.Now()
	naDetachAndWait(t, two, "y")
	after := time.Now()
	s = naWaitSession(t, e, "y", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if deref(s.LastClient) != ttPTS(t, two) || s.DisconnectedSince == nil ||
		s.DisconnectedSince.Before(before.Add(-time.Second)) || s.DisconnectedSince.After(after.Add(time.Second)) {
		t.Errorf("detached (renamed): last_client %q disconnected_since %v, want %q and between %v and %v",
			deref(s.LastClient), s.DisconnectedSince, ttPTS(t, two), before, after)
	}
	r := e.Run("ls", "-l")
	table, _, _ := strings.Cut(r.Stdout, "\nconfiguration: ")
	rows := tableRows(table)
	if len(rows) != 2 || len(rows[1]) != len(lsLongHeader) || rows[1][10] != ttPTS(t, two) || !regexp.MustCompile(`^\d+s ago$`).MatchString(rows[1][11]) {
		t.Errorf("ls -l after detach: want CLIENT %s and DISCONNECTED \"Ns ago\"\n%v", ttPTS(t, two), r)
	}

	three := e.Start(80, 24, "attach", "y")
	naShRun(three, `echo "c=$((3+1))"`, "c=4")
	if rows := tableRows(strings.SplitN(e.Run("ls", "-l").Stdout, "\nconfiguration: ", 2)[0]); len(rows) != 2 || len(rows[1]) != len(lsLongHeader) || rows[1][10] != ttPTS(t, three) || rows[1][11] != "-" {
		t.Errorf("ls -l while attached: want CLIENT %s and DISCONNECTED -: %q", ttPTS(t, three), rows)
	}
	pts := ttPTS(t, three)
	before = time.Now()
	three.Kill(syscall.SIGKILL)
	three.WaitExit()
	s = naWaitSession(t, e, "y", "free", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Broken" || deref(s.LastClient) != pts || s.DisconnectedSince == nil || s.DisconnectedSince.Before(before.Add(-time.Second)) {
		t.Errorf("client killed: state %s last_client %q disconnected_since %v, want Broken, %q and after %v", s.State, deref(s.LastClient), s.DisconnectedSince, pts, before)
	}
}

// TestListLastClientThroughSSHD: a client that came through ssh (linger
// dial-stdio on the host) is named by its machine's address as sshd saw
// it, not by its terminal there, while attached and after it detached.
func TestListLastClientThroughSSHD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := startSSHD(t, e)
	if r := e.Run(append([]string{"new", "-d", "x"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://" + s.Alias, "attach", "x"}, []string{s.Env})
	naShRun(tm, `echo "r=$((4+1))"`, "r=5")
	info := naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if deref(info.LastClient) != "ssh:127.0.0.1" || info.DisconnectedSince != nil {
		t.Errorf("attached over ssh: last_client %q disconnected_since %v, want \"ssh:127.0.0.1\" and null", deref(info.LastClient), info.DisconnectedSince)
	}
	before := time.Now()
	naDetachAndWait(t, tm, "x")
	info = naWaitSession(t, e, "x", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if deref(info.LastClient) != "ssh:127.0.0.1" || info.DisconnectedSince == nil || info.DisconnectedSince.Before(before.Add(-time.Second)) {
		t.Errorf("detached over ssh: last_client %q disconnected_since %v, want \"ssh:127.0.0.1\" and after %v", deref(info.LastClient), info.DisconnectedSince, before)
	}
	if r := e.Run("ls", "-l"); !strings.Contains(r.Stdout, "  ssh:127.0.0.1  ") {
		t.Errorf("ls -l: want CLIENT ssh:127.0.0.1\n%v", r)
	}
}
