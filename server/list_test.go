package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

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

// refTable is how `ls` printed its table before the server rendered it.
func refTable(list []socket.SessionInfo, now time.Time) []byte {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSTATE\tAVAILABILITY\tCONFIGURATION\tBUFFERING\tUNRECEIVED\tDROPPED\tIDLE\tCREATED\tCOMMAND")
	for _, s := range list {
		state := s.State
		if s.ExitStatus != "" {
			state += " (" + s.ExitStatus + ")"
		}
		buffering := s.OutputBuffering
		if s.Suspended {
			buffering += " (suspended)"
		}
		if s.LogError != "" {
			buffering += " (log failing)"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, state, s.Availability,
			s.Configuration, buffering, refFormatSize(s.BufferedBytes), refFormatSize(s.DroppedBytes),
			idleColumn(s, now), refAgo(now.Sub(s.Created)), refCommandLine(s.Command))
	}
	w.Flush()
	return b.Bytes()
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

func refFormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
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
			Size: socket.Size{Cols: 80, Rows: 24}, OutputBuffering: "block", BufferSize: 8 << 20},
		{ID: 22, Name: "wörk-ünïcode", State: "Closed", Availability: "None", Configuration: "long configuration",
			Command: []string{"sh", "-c", `echo "<a & b>" 'q' \ $HOME`}, Cwd: "/home/ü/<dir>", Pid: 7,
			Created: listNow.Add(-50 * time.Hour).In(loc), Clients: 2, Size: socket.Size{Cols: 1, Rows: 65535},
			ExitStatus: "status 3", ExitCode: &code, OutputBuffering: "drop", BufferSize: 1000,
			BufferedBytes: 1 << 30, DroppedBytes: 12345, IdleTimeoutSeconds: 7200, IdleExpiresAt: &exp,
			LogFile: "/var/log/x\"y.log", LogError: "write: no space left on device"},
		{ID: 333, Name: "k", State: "Closed", Availability: "None", Configuration: "default",
			Command: []string{}, Pid: 1, Created: listNow.Add(-3 * time.Hour), ExitStatus: "signal 9 (killed)",
			ExitSignal: &sig, OutputBuffering: "block", Suspended: true, IdleTimeoutSeconds: 60},
		{ID: 4, Name: "ctl", State: "Opened", Availability: "Available", Command: nil,
			Cwd: "tab\there\nnl \x01 \x7f \u2028 \xff bad", Created: listNow.Add(-90 * time.Minute),
			Size: socket.Size{Cols: -1}, BufferSize: -5, BufferedBytes: 1536},
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
		got := appendListTable(nil, l, listNow, nil, &cells{})
		if want := refTable(l, listNow); !bytes.Equal(got, want) {
			t.Errorf("appendListTable differs from tabwriter\ngot:\n%s\nwant:\n%s", got, want)
		}
	}
}

// TestListTableRaw: COMMAND is last and printed as is, so a tab or newline
// in it does not shift the other columns (tabwriter made it a cell).
func TestListTableRaw(t *testing.T) {
	s := sampleSessions()
	s[0].Command = []string{"a\tb"}
	s[1].Command = []string{"c\nd"}
	out := string(appendListTable(nil, s[:3], listNow, nil, &cells{}))
	lines := strings.Split(out, "\n")
	at := strings.Index(lines[0], "COMMAND")
	// lines[3] is "d'"; lines[4] is session 333, whose command is empty.
	if len(lines) != 6 || lines[1][at:] != "'a\tb'" || !strings.HasSuffix(lines[2], "  'c") || len(lines[4]) != at || !strings.HasPrefix(lines[4], "333 ") {
		t.Errorf("rows:\n%s", out)
	}
}

func FuzzListJSON(f *testing.F) {
	f.Add("s0", "sleep", "/tmp", "status 3", "", int64(5), int64(-1), 3, true)
	f.Add("é<>&", "a\x00\"\\\u2028", "\xff\xfe", "", "log\terr", int64(1<<40), int64(0), -7, false)
	f.Fuzz(func(t *testing.T, name, arg, cwd, exit, logErr string, n, m int64, code int, susp bool) {
		exp := listNow.Add(time.Duration(m))
		s := socket.SessionInfo{ID: code, Name: name, State: exit, Availability: name, Configuration: cwd,
			Command: []string{arg, name}, Cwd: cwd, Pid: code, Created: listNow.Add(time.Duration(n)),
			Size: socket.Size{Cols: code, Rows: int(m)}, ExitStatus: exit, OutputBuffering: arg,
			BufferSize: n, BufferedBytes: m, DroppedBytes: n ^ m, Suspended: susp, IdleTimeoutSeconds: m,
			LogFile: logErr, LogError: logErr}
		if susp {
			s.ExitCode, s.IdleExpiresAt = &code, &exp
		} else {
			s.ExitSignal, s.Command = &code, nil
		}
		list := []socket.SessionInfo{s, s}
		if got, want := appendListJSON(nil, list, nil), refJSON(t, list); !bytes.Equal(got, want) {
			t.Errorf("appendListJSON differs from encoding/json\ngot:\n%s\nwant:\n%s", got, want)
		}
	})
}

func FuzzListTable(f *testing.F) {
	f.Add("s0", "sleep 1", "default", "", int64(5), int64(90), true)
	f.Add("é", "", "ü x", "status 1", int64(1<<40), int64(-1), false)
	f.Fuzz(func(t *testing.T, name, cmd, conf, exit string, n, idle int64, susp bool) {
		for _, s := range []string{name, cmd, conf, exit} {
			if strings.ContainsAny(s, "\t\n\v\f") || strings.IndexByte(s, tabwriter.Escape) >= 0 {
				return // tabwriter's cell and line separators and escape
			}
		}
		exp := listNow.Add(time.Duration(idle) * time.Second)
		a := socket.SessionInfo{ID: int(n), Name: name, State: "Disconnected", Availability: "None",
			Configuration: conf, Command: []string{cmd}, Created: listNow.Add(-time.Duration(n)),
			ExitStatus: exit, OutputBuffering: "block", BufferedBytes: n, Suspended: susp,
			IdleTimeoutSeconds: idle % 1e9, IdleExpiresAt: &exp}
		b := a
		b.Name, b.Configuration, b.IdleExpiresAt = conf, name, nil
		list := []socket.SessionInfo{a, b}
		if got, want := appendListTable(nil, list, listNow, nil, &cells{}), refTable(list, listNow); !bytes.Equal(got, want) {
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
		return appendListTable(buf, list, listNow, spill, &c)
	})
}

// The whole-list forms of the renderers, which handleList runs one
// session at a time.

// appendListTable appends the `ls` table of list (see cells.appendTable).
// c is scratch space (its contents are replaced).
func appendListTable(b []byte, list []socket.SessionInfo, now time.Time, spill func([]byte) []byte, c *cells) []byte {
	c.start(len(list))
	for i := range list {
		c.row(&list[i], now)
	}
	return c.appendTable(b, spill)
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
