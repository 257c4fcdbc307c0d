package client

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"linger/config"
	"linger/socket"
)

// fzConnPair returns two socket.Conns joined by a real socketpair.
func fzConnPair(t *testing.T) (*socket.Conn, *socket.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) *socket.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return socket.NewConn(c.(*net.UnixConn))
	}
	return conn(fds[0]), conn(fds[1])
}

func fzFrame(typ uint8, payload []byte) []byte {
	var h [socket.HeaderSize]byte
	socket.Header(&h, typ, len(payload))
	return append(h[:], payload...)
}

// FuzzKeyboard types arbitrary input into the keyboard loop (through a real
// pipe, so reads split it anywhere) and reads what it sends the server
// (through a real socketpair). Everything before the detach key followed
// by another byte, and nothing after it, goes out as MsgInput frames, byte
// for byte and never empty, with the key pressed twice as one key; the key
// becomes one MsgDetach; read-only sends no input; a disabled key is
// ordinary input; the end of input sends nothing more.
func FuzzKeyboard(f *testing.F) {
	f.Add([]byte("ls -l\r"), uint8(0x1c), false, false)
	f.Add([]byte("abc\x1cdef"), uint8(0x1c), false, false)
	f.Add([]byte("\x1c"), uint8(0x1c), false, false)
	f.Add([]byte("\x01\x01d"), uint8(0x01), false, false)
	f.Add([]byte("a\x1c\x1cb\x1c\x1c\x1cc"), uint8(0x1c), false, false)
	f.Add([]byte("ab\x1c"), uint8(0x1c), false, false)
	f.Add([]byte("abc\x1cdef"), uint8(0x1c), true, false)
	f.Add([]byte("typed\x1d"), uint8(0x1d), false, true)
	f.Add([]byte("typed"), uint8(0x1d), true, true)
	f.Add([]byte(""), uint8(0x1c), false, false)
	f.Add([]byte("\x00\x00x\x00"), uint8(0x00), false, false)
	f.Add(append(bytes.Repeat([]byte("y"), 600), 0x1c, 'z'), uint8(0x1c), false, false)
	f.Add(bytes.Repeat([]byte("\x1b[A"), 200), uint8(0x1b), true, false)

	f.Fuzz(fzKeyboardBody)
}

func fzKeyboardBody(t *testing.T, input []byte, key uint8, noKey, readOnly bool) {
	{
		ours, server := fzConnPair(t)
		defer server.Close()
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			pw.Write(input) // fails once the loop stopped reading: fine
			pw.Close()
		}()

		a := &attached{conn: ours}
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.keyboard(pr, config.Key{Byte: key, None: noKey}, readOnly)
			pr.Close()   // unblocks the writer after a detach
			ours.Close() // the loop leaves it open after a detach
		}()

		var sent []byte
		detaches := 0
		for {
			typ, p, err := server.ReadFrame()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("reading what the keyboard sent: %v", err)
				}
				break
			}
			switch typ {
			case socket.MsgInput:
				if len(p) == 0 {
					t.Fatalf("empty MsgInput")
				}
				if detaches > 0 {
					t.Fatalf("input %q after the detach", p)
				}
				sent = append(sent, p...)
			case socket.MsgDetach:
				if len(p) != 0 {
					t.Fatalf("MsgDetach with payload %q", p)
				}
				detaches++
			default:
				t.Fatalf("keyboard sent message 0x%02x %q", typ, p)
			}
		}
		<-done

		// The key twice sends it once; the key then another byte
		// detaches; the key last, then the end of the input, is a hangup.
		want, wantDetach := input, false
		if !noKey {
			want = nil
			for i := 0; i < len(input); i++ {
				switch {
				case input[i] != key:
					want = append(want, input[i])
				case i+1 < len(input) && input[i+1] == key:
					want = append(want, key)
					i++
				case i+1 < len(input):
					wantDetach = true
				}
				if wantDetach {
					break
				}
			}
		}
		if readOnly {
			want = nil
		}
		if !bytes.Equal(sent, want) {
			t.Fatalf("sent %q, want %q", fzShort(sent), fzShort(want))
		}
		if wantDetach != (detaches == 1) || detaches > 1 {
			t.Fatalf("%d detaches, want detach %v", detaches, wantDetach)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.detached != wantDetach || a.hangup == wantDetach {
			t.Fatalf("detached %v hangup %v, want detached %v", a.detached, a.hangup, wantDetach)
		}
	}
}

func fzShort(p []byte) string {
	if len(p) > 80 {
		return string(p[:40]) + "..." + string(p[len(p)-40:])
	}
	return string(p)
}

// FuzzAttachOutput plays an arbitrary server stream (through a real
// socketpair) into the output loop. It must not panic; the terminal gets
// exactly the MsgOutput payloads up to the frame that ends the stream
// (MsgDetached or MsgExited, whatever their JSON), which gives the one
// bracketed line; a stream that just stops is a lost connection, and so
// does a malformed MsgRestore; the alternate screen state follows the last
// switch in the output (restores included).
func FuzzAttachOutput(f *testing.F) {
	out := func(s string) []byte { return fzFrame(socket.MsgOutput, []byte(s)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	f.Add(cat(out("hello\r\n"), fzFrame(socket.MsgDetached, []byte(`{"session":"a","reason":"detached"}`))))
	f.Add(cat(out("\x1b[?1049h"), fzFrame(socket.MsgDetached, []byte(`{"reason":"too-slow"}`))))
	f.Add(cat(out("\x1b[?1049h\x1b[?1049l"), out("\x1b[?1049"), out("h"), fzFrame(socket.MsgDetached, []byte(`{"reason":"server-exited"}`))))
	f.Add(cat(out("x"), fzFrame(socket.MsgDetached, []byte(`{"session":"b","reason":"stolen","taken_by":"/dev/pts/3"}`))))
	f.Add(cat(out("x"), fzFrame(socket.MsgDetached, []byte(`{"session":"b","reason":"stolen"}`))))
	f.Add(cat(out("x"), fzFrame(socket.MsgExited, []byte(`{"session":"a","status":"status 3","shell_code":3}`))))
	f.Add(cat(fzFrame(socket.MsgExited, []byte(`{"status":"killed","shell_code":137,"killed":true}`)), out("after")))
	f.Add(cat(fzFrame(socket.MsgExited, []byte(`{"status":"\n","shell_code":-1}`))))
	f.Add(cat(fzFrame(socket.MsgDetached, []byte(`not json`))))
	f.Add(cat(out("a"), fzFrame(socket.MsgReply, []byte(`{}`)), fzFrame(socket.MsgEnd, nil), out("b")))
	f.Add(cat(out("partial"), []byte{socket.MsgOutput, 0, 0, 1}))
	f.Add(cat(out("x"), []byte{socket.MsgOutput, 0xff, 0xff, 0xff, 0xff}))
	f.Add(cat(fzFrame(socket.MsgRestore, append(make([]byte, 8), "\x1b[H\x1b[2Jscreen\x1b[?1047h"...)), out("live"), fzFrame(socket.MsgDetached, []byte(`{}`))))
	f.Add(cat(fzFrame(socket.MsgRestore, []byte{0, 0, 0}), out("never")))
	f.Add([]byte{})

	var tty *os.File
	f.Cleanup(func() {
		if tty != nil {
			tty.Close()
		}
	})
	f.Fuzz(func(t *testing.T, stream []byte) {
		if tty == nil {
			var err error
			if tty, err = os.CreateTemp("", "linger-fuzz-tty-"); err != nil {
				t.Fatal(err)
			}
			os.Remove(tty.Name())
		}
		if err := tty.Truncate(0); err != nil {
			t.Fatal(err)
		}
		if _, err := tty.Seek(0, 0); err != nil {
			t.Fatal(err)
		}

		ours, server := fzConnPair(t)
		defer ours.Close()
		go func() {
			server.Stream().Write(stream)
			server.Close()
		}()

		a := &attached{conn: ours, out: tty, name: "fz"}
		msg, code := a.output()

		// the model
		r := bytes.NewReader(stream)
		var want []byte
		wantMsg, wantCode, alt := "lost connection", 1, false
	frames:
		for {
			typ, p, err := socket.ReadFrame(r, nil)
			if err != nil {
				break
			}
			if typ == socket.MsgRestore {
				if len(p) < socket.RestoreHeader || binary.BigEndian.Uint64(p) > 1<<62 {
					break frames // a bad restore ends the attach: lost connection
				}
				typ, p = socket.MsgOutput, p[socket.RestoreHeader:]
			}
			switch typ {
			case socket.MsgOutput:
				want = append(want, p...)
				// the last switch in the chunk wins: ?47, ?1047 or ?1049, h or l
				last, on := -1, false
				for _, m := range []string{"47", "1047", "1049"} {
					for _, hl := range []string{"h", "l"} {
						if i := bytes.LastIndex(p, []byte("\x1b[?"+m+hl)); i > last {
							last, on = i, hl == "h"
						}
					}
				}
				if last >= 0 {
					alt = on
				}
			case socket.MsgDetached:
				var d socket.Detached
				json.Unmarshal(p, &d)
				name := "fz"
				if d.Session != "" {
					name = d.Session // the session's name now (rename)
				}
				switch d.Reason {
				case socket.ReasonServerExited:
					wantMsg = "server exited"
				case socket.ReasonTooSlow:
					wantMsg = "detached (from session " + name + ": terminal too slow)"
				case socket.ReasonStolen:
					by := strings.TrimPrefix(d.TakenBy, "/dev/")
					if by == "" {
						by = "another client"
					}
					wantMsg, wantCode = "detached (from session "+name+": taken by "+by+")", 0
				default:
					wantMsg, wantCode = "detached (from session "+name+")", 0
				}
				break frames
			case socket.MsgExited:
				var e socket.Exited
				json.Unmarshal(p, &e)
				wantMsg, wantCode = "exited ("+e.Status+")", e.ShellCode
				if e.Killed && e.Status != "killed" {
					wantMsg = "exited (" + e.Status + ", killed)"
				}
				break frames
			}
		}
		if msg != wantMsg || code != wantCode {
			t.Fatalf("ended with %q %d, want %q %d", msg, code, wantMsg, wantCode)
		}
		if _, err := tty.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(tty)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("terminal got %d bytes %q, want %d bytes %q", len(got), fzShort(got), len(want), fzShort(want))
		}
		if a.alt != alt {
			t.Fatalf("alternate screen %v, want %v", a.alt, alt)
		}
	})
}
