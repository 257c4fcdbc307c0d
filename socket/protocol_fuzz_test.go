package socket

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"
)

// fzFrame encodes one frame: header then payload.
func fzFrame(typ uint8, payload []byte) []byte {
	var h [HeaderSize]byte
	Header(&h, typ, len(payload))
	return append(h[:], payload...)
}

// fzHeader is a bare header claiming n payload bytes.
func fzHeader(typ uint8, n uint32) []byte {
	h := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[1:], n)
	return h
}

func fzCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// FuzzReadFrame feeds arbitrary bytes to ReadFrame, frame after frame, and
// checks each result against the byte layout: a frame's type and payload
// are exactly the bytes that follow, no payload is over MaxFrame, and the
// error at the end says why (clean EOF, truncation or an oversized length).
// typ and payload also make one well-formed frame that must read back.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{}, uint8(MsgHello), []byte("linger 1.0"))
	f.Add(fzFrame(MsgHello, EncodeHello("linger 1.0", 0)), uint8(MsgOutput), []byte{})
	f.Add(fzCat(fzFrame(MsgOutput, []byte("abc")), fzFrame(MsgDetach, nil), fzFrame(MsgInput, []byte{0x1c})), uint8(MsgInput), []byte("x"))
	f.Add(fzFrame(MsgResize, EncodeSize(80, 24)), uint8(MsgResize), []byte{0, 80, 0, 24})
	f.Add(fzHeader(MsgOutput, MaxFrame), uint8(MsgOutput), bytes.Repeat([]byte("z"), 300))
	f.Add(fzHeader(MsgOutput, MaxFrame+1), uint8(0xff), []byte{0})
	f.Add(fzHeader(MsgOutput, 0xffffffff), uint8(0), []byte(nil))
	f.Add([]byte{MsgReply, 0, 0}, uint8(MsgReply), []byte(`{"error":"x"}`))
	f.Add(fzCat(fzHeader(MsgReply, 10), []byte("short")), uint8(MsgExited), []byte(`{"status":"status 0"}`))
	f.Add(fzCat(fzFrame(MsgEnd, nil), fzFrame(MsgEnd, nil), []byte{MsgEnd}), uint8(MsgEnd), []byte(nil))

	f.Fuzz(func(t *testing.T, data []byte, typ uint8, payload []byte) {
		// the stream
		r := bytes.NewReader(data)
		buf := make([]byte, 0, 16) // exercised both reused and replaced
		off := 0
		for {
			gotTyp, p, err := ReadFrame(r, buf)
			if err != nil {
				rest := len(data) - off
				switch {
				case rest == 0:
					if err != io.EOF {
						t.Fatalf("at a frame boundary with nothing left: %v, want io.EOF", err)
					}
				case rest < HeaderSize:
					if err != io.ErrUnexpectedEOF {
						t.Fatalf("%d header bytes left: %v, want io.ErrUnexpectedEOF", rest, err)
					}
				default:
					n := binary.BigEndian.Uint32(data[off+1:])
					if n > MaxFrame {
						if !errors.Is(err, ErrFrameTooLarge) {
							t.Fatalf("length %d: %v, want ErrFrameTooLarge", n, err)
						}
					} else if err != io.ErrUnexpectedEOF {
						t.Fatalf("length %d with %d bytes left: %v, want io.ErrUnexpectedEOF", n, rest-HeaderSize, err)
					}
				}
				if gotTyp != 0 || p != nil {
					t.Fatalf("error %v came with type 0x%02x and %d bytes", err, gotTyp, len(p))
				}
				break
			}
			if len(p) > MaxFrame {
				t.Fatalf("payload of %d bytes, over MaxFrame", len(p))
			}
			if off+HeaderSize+len(p) > len(data) {
				t.Fatalf("frame at %d of %d bytes runs past the input (%d bytes)", off, len(p), len(data))
			}
			if gotTyp != data[off] {
				t.Fatalf("frame at %d: type 0x%02x, want 0x%02x", off, gotTyp, data[off])
			}
			if n := binary.BigEndian.Uint32(data[off+1:]); int(n) != len(p) {
				t.Fatalf("frame at %d: %d bytes, header says %d", off, len(p), n)
			}
			if !bytes.Equal(p, data[off+HeaderSize:off+HeaderSize+len(p)]) {
				t.Fatalf("frame at %d: payload differs from the input", off)
			}
			off += HeaderSize + len(p)
			if cap(p) >= cap(buf) {
				buf = p[:0]
			}
		}

		// one well-formed frame round-trips, through ReadHeader too
		if len(payload) > MaxFrame {
			return
		}
		frame := fzFrame(typ, payload)
		gotTyp, p, err := ReadFrame(bytes.NewReader(frame), nil)
		if err != nil || gotTyp != typ || !bytes.Equal(p, payload) {
			t.Fatalf("round trip of 0x%02x %q: 0x%02x %q %v", typ, payload, gotTyp, p, err)
		}
		ht, hn, err := ReadHeader(bytes.NewReader(frame))
		if err != nil || ht != typ || hn != len(payload) {
			t.Fatalf("ReadHeader of 0x%02x/%d: 0x%02x/%d %v", typ, len(payload), ht, hn, err)
		}
	})
}

// FuzzDecodeHello: any payload of 4 bytes or more of another version
// decodes (only its version counts), one of ours needs 8; what decodes is
// what EncodeHello would have built.
func FuzzDecodeHello(f *testing.F) {
	f.Add(EncodeHello("linger 1.0", 5*time.Second))
	f.Add(EncodeHello("", 0))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0, 0, 0, 2, 'x'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(append([]byte{0, 0, 0, 1}, "linger \xff\xfe\x00\n"...))

	f.Fuzz(func(t *testing.T, p []byte) {
		v, hb, prog, err := DecodeHello(p)
		ours := len(p) >= 4 && binary.BigEndian.Uint32(p) == ProtocolVersion
		if len(p) < 4 || ours && len(p) < 8 {
			if err == nil {
				t.Fatalf("%d-byte hello decoded", len(p))
			}
			return
		}
		if err != nil {
			t.Fatalf("DecodeHello(%q): %v", p, err)
		}
		if !ours {
			if v != binary.BigEndian.Uint32(p) || prog != string(p[4:]) || hb != 0 {
				t.Fatalf("DecodeHello(%q) = %d %v %q", p, v, hb, prog)
			}
		} else if !bytes.Equal(EncodeHello(prog, hb), p) {
			t.Fatalf("EncodeHello(%q, %v) = %q, want %q", prog, hb, EncodeHello(prog, hb), p)
		}
		// and the other way round
		v2, hb2, prog2, err := DecodeHello(EncodeHello(string(p), 300*time.Millisecond))
		if err != nil || v2 != ProtocolVersion || prog2 != string(p) || hb2 != 300*time.Millisecond {
			t.Fatalf("hello of %q read back as %d %v %q %v", p, v2, hb2, prog2, err)
		}
	})
}

// FuzzDecodeSize: exactly 4 bytes with both halves non-zero decode, to
// values EncodeSize writes back identically; EncodeSize of any ints makes a
// payload that decodes to the clamped values.
func FuzzDecodeSize(f *testing.F) {
	f.Add(EncodeSize(80, 24), 80, 24)
	f.Add(EncodeSize(1, 1), 0, 0)
	f.Add([]byte{0, 0, 0, 24}, -5, 70000)
	f.Add([]byte{0, 80, 0, 0}, 1<<40, -1<<40)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 65535, 65536)
	f.Add([]byte{0, 80, 0}, 1, 2)
	f.Add([]byte{0, 80, 0, 24, 0}, 3, 4)
	f.Add([]byte{}, 0, 1)

	f.Fuzz(func(t *testing.T, p []byte, cols, rows int) {
		c, r, err := DecodeSize(p)
		valid := len(p) == 4 && binary.BigEndian.Uint16(p) != 0 && binary.BigEndian.Uint16(p[2:]) != 0
		if valid != (err == nil) {
			t.Fatalf("DecodeSize(%x) = %d %d %v", p, c, r, err)
		}
		if err == nil {
			if c < 1 || c > 0xffff || r < 1 || r > 0xffff {
				t.Fatalf("DecodeSize(%x) = %dx%d, out of range", p, c, r)
			}
			if !bytes.Equal(EncodeSize(c, r), p) {
				t.Fatalf("EncodeSize(%d, %d) = %x, want %x", c, r, EncodeSize(c, r), p)
			}
		} else if c != 0 || r != 0 {
			t.Fatalf("error %v came with %dx%d", err, c, r)
		}

		c, r, err = DecodeSize(EncodeSize(cols, rows))
		if err != nil || c != clamp(cols) || r != clamp(rows) || c < 1 || r < 1 || c > 0xffff || r > 0xffff {
			t.Fatalf("EncodeSize(%d, %d) read back as %d %d %v", cols, rows, c, r, err)
		}
	})
}

// FuzzRequestJSON decodes arbitrary JSON as a Request (and the other
// control messages) and checks that re-encoding is stable: what a peer sent,
// once understood, means the same when sent on.
func FuzzRequestJSON(f *testing.F) {
	f.Add([]byte(`{"op":"new","caller":{"tty":"/dev/pts/3","session_id":2,"cwd":"/home/u"},"name":"work","command":["sh","-c","echo hi"],"env":["A=1"],"set_env":["B=2"],"term":"xterm","attach":true,"cols":80,"rows":24}`))
	f.Add([]byte(`{"op":"attach","target":"3","steal":true,"read_only":true,"output_buffering":"drop"}`))
	f.Add([]byte(`{"op":"kill","targets":["a","b"],"all":true}`))
	f.Add([]byte(`{"op":"receive","target":"x","follow":true,"all":false,"idle_timeout":"2h"}`))
	f.Add([]byte(`{"op":"wait","targets":[],"command":[],"env":null}`))
	f.Add([]byte(`{"op":"\ud800\u0000\xff","name":"é\u2028","cols":-1,"rows":1e3}`))
	f.Add([]byte(`{"OP":"list","Caller":{"Session_ID":1}}`))
	f.Add([]byte(`{"error":"no session","code":"no-session","session":{"id":1,"name":"a","created":"2024-01-02T03:04:05.123456789+01:00","exit_code":0,"idle_expires_at":null},"sessions":[{}],"exits":[{"status":"status 0","shell_code":0}],"dropped":99}`))
	f.Add([]byte(`{"session":"a","reason":"too-slow"}`))
	f.Add([]byte(`{"session":"a","status":"killed","shell_code":137,"killed":true}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[1,2`))

	f.Fuzz(func(t *testing.T, data []byte) {
		fzJSONStable[Request](t, data, true)
		fzJSONStable[Reply](t, data, false)
		fzJSONStable[Detached](t, data, true)
		fzJSONStable[Exited](t, data, true)
	})
}

// fzJSONStable decodes data as a T; if that works, encoding it (which must
// work when mustEncode is set) and decoding and encoding again must give
// the same bytes.
func fzJSONStable[T any](t *testing.T, data []byte, mustEncode bool) {
	t.Helper()
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	b1, err := json.Marshal(v)
	if err != nil {
		if mustEncode {
			t.Fatalf("%T decoded from %q does not encode: %v", v, data, err)
		}
		return
	}
	var w T
	if err := json.Unmarshal(b1, &w); err != nil {
		t.Fatalf("%T: own encoding %q does not decode: %v", v, b1, err)
	}
	b2, err := json.Marshal(w)
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("%T: encoding not stable:\n%s\n%s (%v)", v, b1, b2, err)
	}
}
