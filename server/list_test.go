package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"linger/config"
	"linger/mux"
	"linger/socket"
)

// refJSON is how `ls --json` was printed before the server rendered it.
func refJSON(t testing.TB, list []socket.SessionInfo) []byte {
	t.Helper()
	if list == nil {
		list = []socket.SessionInfo{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(list); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// refTable is how `ls` printed its table with text/tabwriter, before the
// server rendered it: the short columns, or with long every column; with
// cut > 0 a COMMAND that would pass column cut is cut there, ending "…".
func refTable(list []socket.SessionInfo, now time.Time, long bool, cut int) []byte {
	if len(list) == 0 {
		return []byte("no sessions\n")
	}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if long {
		fmt.Fprintln(w, "ID\tNAME\tSTATE\tAVAILABILITY\tIDLE\tCONFIGURATION\tBUFFERING\tUNRECEIVED\tDROPPED\tCREATED\tCLIENT\tDISCONNECTED\t")
	} else {
		fmt.Fprintln(w, "ID\tNAME\tSTATE\tAVAILABILITY\tIDLE\t")
	}
	for _, s := range list {
		state := s.State
		if s.ExitStatus != nil {
			state += " (" + *s.ExitStatus + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t", s.ID, s.Name, state, s.Availability, refIdle(s, now))
		if long {
			buffering := s.OutputBuffering
			if s.Suspended {
				buffering += " (suspended)"
			}
			if s.LogError != nil {
				buffering += " (log failing)"
			}
			client, disconnected := "-", "-"
			if s.LastClient != nil {
				client = *s.LastClient
			}
			if s.DisconnectedSince != nil {
				disconnected = refAgo(max(now.Sub(*s.DisconnectedSince), 0))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t", s.Configuration, buffering,
				refFormatSize(s.BufferedBytes), refFormatSize(s.DroppedBytes), refAgo(now.Sub(s.Created)), client, disconnected)
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	// tabwriter pads the last cell before the tab; COMMAND follows it.
	lines := strings.SplitAfter(b.String(), "\n")
	var out strings.Builder
	for i, l := range lines[:len(lines)-1] {
		l = strings.TrimSuffix(l, "\n")
		cmd := "COMMAND"
		if i > 0 {
			cmd = refCommandLine(list[i-1].Command)
		}
		if room := max(cut-utf8.RuneCountInString(l), len("COMMAND")); cut > 0 && !long && utf8.RuneCountInString(cmd) > room {
			n := 0
			for i := range cmd { // byte offsets of runes (an invalid byte is one)
				if n == room-1 {
					cmd = cmd[:i] + "…"
					break
				}
				n++
			}
		}
		out.WriteString(l + cmd + "\n")
	}
	return []byte(out.String())
}

// refIdle is the IDLE cell.
func refIdle(s socket.SessionInfo, now time.Time) string {
	if s.IdleTimeoutSeconds == 0 {
		return "none"
	}
	idle := config.FormatIdleTimeout(time.Duration(s.IdleTimeoutSeconds) * time.Second)
	if s.IdleExpiresAt != nil {
		left := max(s.IdleExpiresAt.Sub(now), 0).Round(time.Second)
		idle += " (" + config.FormatIdleTimeout(left) + " left)"
	}
	return idle
}

func refAgo(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// refFormatSize is config.AppendHumanSize from floating point: the
// number alone under 1KiB, else one decimal below 10 of the largest unit
// reached. Exact for |n| < 1<<53 (the tests stay there).
func refFormatSize(n int64) string {
	if n < 0 {
		return "-" + refFormatSize(-n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := -1
	for u+1 < len(units) && n >= 1<<(10*(u+2)) {
		u++
	}
	if u < 0 {
		return strconv.FormatInt(n, 10)
	}
	v := float64(n) / float64(int64(1)<<(10*(u+1)))
	if v < 10 {
		if t := strconv.FormatFloat(v, 'f', 1, 64); t != "10.0" {
			return t + units[u]
		}
		return "10" + units[u]
	}
	if t := strconv.FormatFloat(v, 'f', 0, 64); t != "1024" {
		return t + units[u]
	}
	return "1.0" + units[u+1]
}

func refCommandLine(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~!{}") {
			b.WriteByte('\'')
			b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
			b.WriteByte('\'')
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

var listNow = time.Date(2026, 11, 21, 8, 0, 0, 123456789, time.UTC)

func sampleSessions() []socket.SessionInfo {
	code, sig := 3, 9
	exp := listNow.Add(90 * time.Minute)
	loc := time.FixedZone("X", -(5*3600 + 30*60))
	return []socket.SessionInfo{
		{ID: 1, Name: "s0", State: "Disconnected", Availability: "None", Configuration: "default",
			Command: []string{"sleep", "100000"}, Cwd: "/tmp/x", Pid: 4242, Created: listNow.Add(-5 * time.Second),
			Size: socket.Size{Cols: 80, Rows: 24}, OutputBuffering: "block", BufferSize: 8 << 20,
			DisconnectedSince: ptr(listNow.Add(-5 * time.Second))},
		{ID: 22, Name: "wörk-ünïcode", State: "Closed", Availability: "None", Configuration: "long configuration",
			Command: []string{"sh", "-c", `echo "<a & b>" 'q' \ $HOME`}, Cwd: "/home/ü/<dir>", Pid: 7,
			Created: listNow.Add(-50 * time.Hour).In(loc), Clients: 2, Size: socket.Size{Cols: 1, Rows: 65535},
			ExitStatus: ptr("status 3"), ExitCode: &code, OutputBuffering: "drop", BufferSize: 1000,
			BufferedBytes: 1 << 30, DroppedBytes: 12345, IdleTimeoutSeconds: 7200, IdleExpiresAt: &exp,
			LogFile: ptr("/var/log/x\"y.log"), LogError: ptr("write: no space left on device"),
			LastClient: ptr("ssh:[::1]"), DisconnectedSince: ptr(listNow.Add(-49 * time.Hour).In(loc))},
		{ID: 333, Name: "k", State: "Closed", Availability: "None", Configuration: "default",
			Command: []string{}, Pid: 1, Created: listNow.Add(-3 * time.Hour), ExitStatus: ptr("killed"),
			ExitSignal: &sig, OutputBuffering: "block", Suspended: true, IdleTimeoutSeconds: 60,
			LastClient: ptr("pts/3"), DisconnectedSince: ptr(listNow.Add(-2 * time.Minute))},
		{ID: 4, Name: "ctl", State: "Opened", Availability: "Available", Command: nil,
			Cwd: "tab\there\nnl \x01 \x7f \u2028 \xff bad", Created: listNow.Add(-90 * time.Minute),
			Size: socket.Size{Cols: -1}, BufferSize: -5, BufferedBytes: 1536, LastClient: ptr("pts/\x1b[1m")},
	}
}

func TestListJSONMatchesEncodingJSON(t *testing.T) {
	for _, list := range [][]socket.SessionInfo{nil, {}, sampleSessions()[:1], sampleSessions()} {
		got := appendListJSON(nil, list, nil)
		if want := refJSON(t, list); !bytes.Equal(got, want) {
			t.Errorf("appendListJSON differs from encoding/json\ngot:\n%s\nwant:\n%s", got, want)
		}
	}
}

func TestListTableMatchesTabwriter(t *testing.T) {
	list := sampleSessions()[:3] // the fourth has a tab: see TestListTableRaw
	for _, l := range [][]socket.SessionInfo{nil, list[:1], list} {
		for _, long := range []bool{false, true} {
			for _, cut := range []int{0, 1, 50, 60, 80, 200} {
				got := appendListTable(nil, l, listNow, long, cut, nil, &cells{})
				if want := refTable(l, listNow, long, cut); !bytes.Equal(got, want) {
					t.Errorf("long %v, cut %d: appendListTable differs from tabwriter\ngot:\n%s\nwant:\n%s", long, cut, got, want)
				}
			}
		}
	}
}

// TestListTableFits: cut to a terminal's width, no line of the short table
// is wider than it, and a cut COMMAND ends with an ellipsis; the long
// table keeps COMMAND whole.
func TestListTableFits(t *testing.T) {
	list := sampleSessions()[:3]
	list[0].Command = []string{"sh", "-c", strings.Repeat("echo a long command; ", 20)}
	out := string(appendListTable(nil, list, listNow, false, 80, nil, &cells{}))
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("line of %d runes:\n%s", n, l)
		}
	}
	if !strings.Contains(out, "  sh -c 'ech…\n") {
		t.Errorf("no cut COMMAND:\n%s", out)
	}
	long := string(appendListTable(nil, list, listNow, true, 0, nil, &cells{}))
	if !strings.Contains(long, strings.Repeat("echo a long command; ", 20)) {
		t.Errorf("long table cut COMMAND:\n%s", long)
	}
}

// TestListTableRaw: COMMAND is last and printed as is, so a tab or newline
// in it does not shift the other columns (tabwriter made it a cell).
func TestListTableRaw(t *testing.T) {
	s := sampleSessions()
	s[0].Command = []string{"a\tb"}
	s[1].Command = []string{"c\nd"}
	for _, long := range []bool{false, true} {
		out := string(appendListTable(nil, s[:3], listNow, long, 0, nil, &cells{}))
		lines := strings.Split(out, "\n")
		at := strings.Index(lines[0], "COMMAND")
		// lines[3] is "d'"; lines[4] is session 333, whose command is empty.
		if len(lines) != 6 || lines[1][at:] != "'a\tb'" || !strings.HasSuffix(lines[2], "  'c") || len(lines[4]) != at || !strings.HasPrefix(lines[4], "333 ") {
			t.Errorf("rows:\n%s", out)
		}
	}
}

func FuzzListJSON(f *testing.F) {
	f.Add("s0", "sleep", "/tmp", "status 3", "", int64(5), int64(-1), 3, true)
	f.Add("é<>&", "a\x00\"\\\u2028", "\xff\xfe", "", "log\terr", int64(1<<40), int64(0), -7, false)
	f.Fuzz(func(t *testing.T, name, arg, cwd, exit, logErr string, n, m int64, code int, susp bool) {
		exp := listNow.Add(time.Duration(m))
		s := socket.SessionInfo{ID: code, Name: name, State: exit, Availability: name, Configuration: cwd,
			Command: []string{arg, name}, Cwd: cwd, Pid: code, Created: listNow.Add(time.Duration(n)),
			Size: socket.Size{Cols: code, Rows: int(m)}, OutputBuffering: arg,
			BufferSize: n, BufferedBytes: m, DroppedBytes: n ^ m, Suspended: susp, IdleTimeoutSeconds: m}
		if susp {
			s.ExitCode, s.IdleExpiresAt, s.ExitStatus, s.LogFile = &code, &exp, &exit, &logErr
		} else {
			s.ExitSignal, s.Command, s.LogError = &code, nil, &logErr
		}
		list := []socket.SessionInfo{s, s}
		if got, want := appendListJSON(nil, list, nil), refJSON(t, list); !bytes.Equal(got, want) {
			t.Errorf("appendListJSON differs from encoding/json\ngot:\n%s\nwant:\n%s", got, want)
		}
	})
}

func FuzzListTable(f *testing.F) {
	f.Add("s0", "sleep 1", "default", "", int64(5), int64(90), true, false, uint8(80))
	f.Add("é", "", "ü x", "status 1", int64(1<<40), int64(-1), false, true, uint8(0))
	f.Add("a-very-long-name", "x\xffé\xff"+strings.Repeat("é ", 40), "c", "killed", int64(-1536), int64(7), false, false, uint8(60))
	f.Fuzz(func(t *testing.T, name, cmd, conf, exit string, n, idle int64, susp, long bool, cut uint8) {
		for _, s := range []string{name, cmd, conf, exit} {
			if strings.ContainsAny(s, "\t\n\v\f") || strings.IndexByte(s, tabwriter.Escape) >= 0 {
				return // tabwriter's cell and line separators and escape
			}
		}
		exp := listNow.Add(time.Duration(idle) * time.Second)
		a := socket.SessionInfo{ID: int(n), Name: name, State: "Disconnected", Availability: "None",
			Configuration: conf, Command: []string{cmd}, Created: listNow.Add(-time.Duration(n)),
			OutputBuffering: "block", BufferedBytes: n % (1 << 53), DroppedBytes: idle % (1 << 53),
			Suspended: susp, IdleTimeoutSeconds: idle % 1e9, IdleExpiresAt: &exp}
		if exit != "" {
			a.ExitStatus = &exit
		}
		b := a
		b.Name, b.Configuration, b.IdleExpiresAt, b.LogError = conf, name, nil, &exit
		a.LastClient, b.DisconnectedSince = &name, &exp
		list := []socket.SessionInfo{a, b}
		got := appendListTable(nil, list, listNow, long, int(cut), nil, &cells{})
		if want := refTable(list, listNow, long, int(cut)); !bytes.Equal(got, want) {
			t.Errorf("appendListTable differs from tabwriter\ngot:\n%q\nwant:\n%q", got, want)
		}
	})
}

// TestReplyLiterals: the replies written out as JSON are what json.Marshal
// makes of them.
func TestReplyLiterals(t *testing.T) {
	for _, c := range []struct {
		lit []byte
		rep socket.Reply
	}{
		{refusal, socket.Reply{Code: socket.ErrBadInput, Error: "permission denied: this server belongs to another user"}},
		{listReply(nil, 0), socket.Reply{}},
		{listReply(nil, 1), socket.Reply{Count: 1}},
		{listReply([]byte("x")[:0], 12345), socket.Reply{Count: 12345}},
	} {
		if want, _ := json.Marshal(c.rep); !bytes.Equal(c.lit, want) {
			t.Errorf("literal %s, json.Marshal gives %s", c.lit, want)
		}
	}
}

// TestListStreamed sends a listing far over MaxFrame through a real
// socketpair as handleList does, and reads it back as the client does.
func TestListStreamed(t *testing.T) {
	server, client := socketPair(t) // bench_test.go
	defer client.Close()
	list := make([]socket.SessionInfo, 5000) // ~3 MB, MaxFrame is 1 MiB
	for i := range list {
		list[i] = sampleSessions()[i%4]
		list[i].ID = i + 1
	}
	want := appendListJSON(nil, list, nil)
	if len(want) < 2*socket.MaxFrame {
		t.Fatalf("the listing is only %d bytes", len(want))
	}
	go func() {
		defer server.Close()
		w := &lister{c: server, deadline: time.Now().Add(10 * time.Second)}
		w.buf = appendListJSON(w.buf, list, w.spill)
		w.flush()
		if w.err == nil {
			server.WriteFrame(socket.MsgEnd, nil)
		}
	}()
	var gotb bytes.Buffer
	_, err := client.CopyOutput(&gotb, false)
	got := gotb.Bytes()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("CopyOutput: %v, %d bytes, want the %d bytes sent", err, len(got), len(want))
	}
}

// benchList renders 1000 sessions the way handleList does, into one
// buffer emptied every listChunk bytes.
func benchList(b *testing.B, render func(buf []byte, list []socket.SessionInfo, spill func([]byte) []byte) []byte) {
	list := make([]socket.SessionInfo, 1000)
	for i := range list {
		list[i] = sampleSessions()[0]
		list[i].ID, list[i].Name = i+1, fmt.Sprintf("s%d", i)
	}
	spill := func(p []byte) []byte {
		if len(p) >= listChunk {
			return p[:0]
		}
		return p
	}
	buf := make([]byte, 0, listChunk+4096)
	for b.Loop() {
		buf = render(buf[:0], list, spill)
	}
}

func BenchmarkListJSON1000(b *testing.B) { benchList(b, appendListJSON) }

func BenchmarkListTable1000(b *testing.B) {
	var c cells
	benchList(b, func(buf []byte, list []socket.SessionInfo, spill func([]byte) []byte) []byte {
		return appendListTable(buf, list, listNow, false, 0, spill, &c)
	})
}

// The whole-list forms of the renderers, which handleList runs one
// session at a time.

// appendListTable appends the `ls` table of list (see cells.appendTable).
// c is scratch space (its contents are replaced).
func appendListTable(b []byte, list []socket.SessionInfo, now time.Time, long bool, cut int, spill func([]byte) []byte, c *cells) []byte {
	c.start(len(list), long)
	for i := range list {
		c.row(&list[i], now)
	}
	return c.appendTable(b, cut, spill)
}

// appendListJSON appends list as `ls --json` prints it: what
// json.Encoder with SetIndent("", "  ") makes of []socket.SessionInfo,
// byte for byte (a test compares them), without reflection. spill (if not
// nil) is called after each session as in appendListTable.
func appendListJSON(b []byte, list []socket.SessionInfo, spill func([]byte) []byte) []byte {
	for i := range list {
		b = appendJSONItem(b, i, &list[i])
		if spill != nil {
			b = spill(b)
		}
	}
	return appendJSONEnd(b, len(list))
}

// TestSessionStates: the states ls filters by (socket.SessionStates) are
// those mux gives sessions.
func TestSessionStates(t *testing.T) {
	want := []string{mux.StateOpened, mux.StateDisconnected, mux.StateBroken, mux.StateClosed}
	if !slices.Equal(socket.SessionStates, want) {
		t.Errorf("socket.SessionStates = %q, mux has %q", socket.SessionStates, want)
	}
	for _, s := range []string{"closed", "OPENED", "Broken", "disConnected"} {
		if st, ok := socket.ParseState(s); !ok || !strings.EqualFold(st, s) {
			t.Errorf("ParseState(%q) = %q, %v", s, st, ok)
		}
	}
	if st, ok := socket.ParseState("running"); ok {
		t.Errorf("ParseState(running) = %q, true", st)
	}
}
