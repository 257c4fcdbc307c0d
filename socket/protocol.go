// Package socket owns linger's wire protocol, its unix-socket listener and
// dialer, and the checks on who may connect. It knows nothing about sessions:
// it moves frames. Package server gives them meaning; package client speaks
// them from the other end.
//
// # Transports
//
// The protocol runs over any reliable, ordered byte stream (Stream): the
// local unix socket, and any other stream a dialer hands to Open. Two
// things only a unix socket has: the peer's credentials (SO_PEERCRED, the
// check below) and descriptor passing (direct mode, below). Over any other
// stream an attach is relayed: the client writes the output to its
// terminal and sends the keys.
//
// # Frames
//
// Every message is one frame:
//
//	type    uint8             what the payload is (the Msg* constants below)
//	length  uint32, big end.  payload length, at most MaxFrame
//	payload length bytes
//
// A frame over MaxFrame, or of a type the receiver does not expect at that
// point, ends the connection.
//
// # Conversation
//
// On connect both sides send MsgHello first (a relay's MsgRelayed, see
// Relays, comes before the client's): a uint32 ProtocolVersion, a uint32
// heartbeat interval in milliseconds (the server's [server] heartbeat; a
// client sends 0; see Heartbeats), then the sender's program version as
// text. Each side compares
// versions; on a mismatch the server replies MsgReply with the error and
// closes, and the client says
//
//	protocol version mismatch (client N, server M): run 'linger server stop' and retry
//
// The client then sends one MsgRequest (JSON, see Request) and reads one
// MsgReply (JSON, see Reply). It sends the request right after its hello,
// without waiting for the server's, which it reads before the reply: the
// hellos cross, and a server that refuses the client (another protocol
// version, exiting) never reads the request. Before sending anything the
// client checks that the server runs as its user (SO_PEERCRED; root talks
// to any), as the server checks the client. For attach requests the
// connection then carries the attached stream: first MsgRestore frames
// from the server (what brings the client's terminal to the session's
// state; for a read-only watcher, first one standing for 0 bytes with the
// line that tells it its keys are ignored), then MsgOutput (raw pty bytes, no encoding), MsgInput, MsgResize
// and MsgDetach from the client, and at the end one of MsgDetached or
// MsgExited from the server. After MsgDetached the server closes. After
// MsgExited the client sends its last MsgAck and MsgDetach ("done"), and
// the server closes once it has settled the session: collected if the
// client acknowledged all of its output, else kept Closed for the next
// attach or receive (as when the client sends nothing for SlowClientTimeout,
// or goes away).
//
// Relays: linger dial-stdio (the host's end of `linger -H ssh://...`)
// relays a client on another machine to the server over a unix socket, so
// the server's peer is dial-stdio, running as the user (SO_PEERCRED
// checked as for any client). Before relaying a byte of the client's, it
// sends one MsgRelayed (JSON, see Relayed) saying whom it relays for:
// through an ssh login, the client machine's address as sshd saw it (the
// first field of $SSH_CONNECTION: the client does not know its address as
// the host sees it). The server accepts MsgRelayed only as the first frame
// of a unix connection, before the hello; the client's own bytes come
// after it, so a client cannot send one that counts. The server then
// ignores the request's Caller (a terminal, session ID and directory of
// another machine) and names the client by the relay (`ls`'s last_client
// "ssh:ADDRESS"). It is a label, never a credential: who the client is, is
// the ssh login's user, which is the server's.
//
// Handover: so that no process copies the client's bytes, dial-stdio
// does not relay them but hands the stream over. It reads the server's
// hello on the unix connection (sent at accept, as to any client) and,
// when its version is dial-stdio's own, writes its banner to stdout and
// sends MsgRelayed with "handover": true and its stdin and stdout (two
// descriptors, SCM_RIGHTS, with the frame's first byte; pipes or sockets
// only: never a terminal). The server answers MsgHandedOver on the unix
// connection and from then on reads the client from that stdin and
// writes to that stdout: first its hello again, then the conversation as
// above, the connection counting as relayed (no direct mode: it is no
// unix socket). dial-stdio then puts /dev/null in place of its stdin and
// stdout and waits, reading the unix connection, which the server closes
// when it closes the handed-over stream; dial-stdio then exits. It must
// outlive the conversation: sshd stops writing to a command's stdin once
// the command has exited. If dial-stdio dies first, the server reads EOF
// on the unix connection and closes the stream, as for a client that went
// away. A server of another version (its hello says so) gets an ordinary
// MsgRelayed, and dial-stdio relays the bytes both ways, starting with
// that hello, so that the client reports the mismatch.
//
// Direct mode: an attach request with TTY set carries the client's
// terminal as an SCM_RIGHTS descriptor on the request frame (fd.go). If
// the reply says Direct, the server writes the restore and the output to
// that terminal and reads its keyboard itself; the stream then carries no
// MsgRestore, MsgOutput, MsgInput or MsgAck, only MsgResize and MsgDetach
// from the client and the final MsgDetached or MsgExited (whose
// alt_screen says whether to leave the alternate screen; MsgExited is
// answered by MsgDetach). A capture request gets the
// capture as MsgOutput frames followed by MsgEnd.
// A receive request gets its output the same way, as MsgOutput frames
// followed by MsgEnd; the client answers MsgEnd with a final MsgAck, after
// which a session whose command has ended and whose output is all received
// is collected and the server sends MsgExited. A list request gets the
// listing rendered as `linger ls` prints it (the table, or JSON with
// Request.Format) the same way, as MsgOutput frames followed by MsgEnd, with
// no acknowledgements. After the reply to a stop request the server keeps
// the connection open until it has finished (sessions ended, socket
// removed), then closes it: the client waits for that.
//
// Acknowledgements: a client sends MsgAck with the number of MsgOutput
// payload bytes of this stream it has written to its terminal (or stdout),
// plus the stream bytes each MsgRestore it has written stands for (its
// first 8 bytes), at least whenever it has consumed all it has read, and
// every AckEvery bytes while it still has more to read. Only acknowledged
// bytes count as received, so output in flight when a client dies is kept for the
// next one; a clean detach (MsgDetach, then MsgDetached) counts everything
// sent before MsgDetached.
// Heartbeats: on a remote connection (the server's side: one a relay
// carries, or any that is no unix socket; the client's: any that is no
// unix socket, e.g. ssh's pipes) both sides, once the client has sent its
// request, send MsgHeartbeat (empty) whenever they have sent nothing for
// the interval the server's hello announced, in every conversation
// (an attach, receive -f, wait: all may stay quiet for long). A reader
// skips MsgHeartbeat wherever it comes. A side that receives nothing at
// all (no frame) for 3 intervals takes the other as gone and closes the
// connection: the server then treats the client as one that died (an
// attached one leaves its session Broken, so another client may attach
// without --steal); the client ends as on a lost connection. Local
// connections (a unix socket, no relay) have no heartbeats: the kernel
// tells either side when the other dies.
//
// Resuming: an attach request carries ClientID, random and fixed for the
// client process. When an attached client's connection ends without
// MsgDetach, the server remembers, for the session, that client's ID, how
// many of its input bytes it wrote to the program, and the drop count.
// The client dials again and sends an attach request with the same
// ClientID and Resume: the session offset its terminal has (the reply's
// Offset plus the stream bytes it has written, restores included) and the
// input bytes it has sent. The reply's Resumed says how it goes on: Exact
// when the offset is still held and the terminal's size is the
// session's: the output from that offset follows as MsgRestore frames
// that each stand for their own length (terminal queries left out, as
// for restore none), then live output, nothing redrawn; otherwise a
// screen restore, as for any attach. Resumed.Input is how many of the
// client's input bytes the program got: the client sends the rest again
// first, so each byte arrives once. A resume is refused with ErrMoved if
// another client attached since (the error names it), with
// ErrNoSession if the session is gone. A client still attached with the
// same ClientID (its old connection not yet seen dead) is let go.
// A receive resumes too: its reply's Offset is the session offset of the
// stream's first byte, and a receive whose connection broke asks again
// with Resume.Offset, the offset up to which it has written the output
// (the reply's Offset plus the MsgOutput bytes it wrote; acknowledged or
// not). The server counts everything before it as received and sends
// from there (from where receiving stands, if another reader received
// past it meanwhile): no byte twice, none lost.
// Events: an events request (Targets, Types, Since, Follow) gets, after
// its reply, MsgOutput frames each holding one or more whole JSON lines
// (one event each, "\n"-terminated; see server/events.go for the
// fields), then MsgEnd when it does not follow, or when the server
// stops. A following subscriber that falls event_history events behind
// gets a last "lagged" line and the server closes the connection. The
// client sends nothing after its request (heartbeats aside): no
// acknowledgements.
//
// A run request (linger run) is answered once the command has started in
// the session's shell (or with an error: ErrBusy when the session stayed
// busy for run_wait, ErrNoShell when it is no shell with the
// integration): the reply carries the run's ID, then the command's output
// follows as MsgOutput frames (the pty's bytes, linger's marks taken out),
// then one MsgExited whose shell_code is the command's status ($?: 128+N
// for signal N) and status says it as for a session. There are no
// acknowledgements. A client that closes the connection stops waiting;
// the command goes on in the shell.
// Control messages are JSON; the data path (MsgOutput, MsgInput) is raw bytes
// with a 5-byte header, so there is no per-byte work.
//
// Bump ProtocolVersion whenever any of this changes.
package socket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ProtocolVersion is the version of everything in this file. Bump it when a
// frame layout, a message number or a JSON field changes meaning.
//
//	5: the attach reply's detach_key is the byte the server decided for
//	   this attach (absent: none), for both modes; it was the
//	   configuration's spec, which the client parsed again.
//	6: a request's "all" means every session only (detach, kill); receive
//	   says "all_held"; "json" became "format": "json" (capture, list).
//	7: a reply's code "usage" marks a request the user got wrong (bad
//	   session name, value or combination): the client exits 2.
//	8: ops "reload" (request config_path; reply config or problems) and
//	   "config" (reply config: the loaded file and its configurations);
//	   after the stop reply the connection stays open until the server
//	   has finished.
//	9: wait leaves Closed sessions unless the request says "collect"; its
//	   reply's exits carry id, exit_code and exit_signal.
//	10: MsgDetached says "stolen" (with taken_by, the new owner's
//	   terminal) when another client took the session with --steal; a
//	   read-only attach's restore starts with a one-line notice; OpRename.
//	11: list requests carry targets, states, long and width (the server
//	   filters and fits the table); SessionInfo's exit_status, log_file
//	   and log_error are always present (null: no value); exit statuses
//	   read "signal 15" and "killed" (was "signal 9 (killed)").
//	12: an attached client answers MsgExited with its last MsgAck (not in
//	   direct mode) and MsgDetach, and the server closes after that: the
//	   session is collected only if the client acknowledged all its output.
//	13: a new request without env gets the server's environment (a
//	   client on another host, through linger dial-stdio), and without
//	   caller cwd starts in $HOME (was /).
//	14: MsgRelayed, dial-stdio's first frame (whom it relays for);
//	   SessionInfo's last_client and disconnected_since; taken_by and
//	   the busy error name the client as last_client does ("pts/3",
//	   "ssh:ADDRESS"; was the terminal's path).
//	15: a config request with "show" gets, in the reply's config, "shown":
//	   the request's configuration ("" = the default one) as `linger
//	   config show` prints it (config show on another host).
//	16: MsgHello carries a uint32 heartbeat interval in milliseconds
//	   after the version (the server's; a client's is 0); MsgHeartbeat
//	   on remote connections (see Heartbeats).
//	17: attach requests carry client_id, and resume (offset, input) to
//	   resume a lost client's stream; the attach reply's offset and
//	   resumed (exact, reason, dropped, input); error code
//	   "attached-elsewhere".
//	18: dial-stdio hands its stdin and stdout over to the server (MsgRelayed
//	   "handover" with the two descriptors, answered by MsgHandedOver) and
//	   leaves the data path; it relays only for a server of another version.
//	19: receive replies carry offset (the stream's first byte), and a
//	   receive request's resume.offset continues a broken receive from
//	   there (see Resuming).
//	20: op "send" (target, input, keys, paste, enter: type into a
//	   session); wait's "idle" and "until" (wait for quiet output or for
//	   the screen to match).
//	21: op "events" (request types, since; the lines as MsgOutput, see
//	   Events).
//	22: OpRun (request command or line, run_wait; reply run; then
//	   MsgOutput frames and MsgExited with the run's status); reply codes
//	   "busy" (the session stayed busy) and "no-integration".
const ProtocolVersion = 22

// MaxFrame is the largest payload either side accepts.
const MaxFrame = 1 << 20

// HeaderSize is the size of a frame header.
const HeaderSize = 5

// Message types, in blocks: 0x1_ handshake, 0x2_ request/reply, 0x3_ the
// attached stream, 0x4_ liveness. Retired numbers stay reserved.
const (
	MsgHello      uint8 = 0x10 // both ways: uint32 version + program version text
	MsgRelayed    uint8 = 0x11 // dial-stdio to the server, first of all: JSON Relayed (with its stdin and stdout if Handover)
	MsgHandedOver uint8 = 0x12 // the server to dial-stdio: the handover is taken (empty payload)

	MsgRequest uint8 = 0x20 // client: JSON Request
	MsgReply   uint8 = 0x21 // server: JSON Reply

	MsgOutput   uint8 = 0x30 // server: raw program output
	MsgInput    uint8 = 0x31 // client: raw keyboard input
	MsgResize   uint8 = 0x32 // client: uint16 cols, uint16 rows
	MsgDetach   uint8 = 0x33 // client: detach me (empty payload)
	MsgDetached uint8 = 0x34 // server: you are detached; JSON Detached
	MsgExited   uint8 = 0x35 // server: the session's command ended; JSON Exited
	MsgEnd      uint8 = 0x36 // server: receive has no more output (empty payload)
	MsgAck      uint8 = 0x37 // client: uint64 bytes of this stream's output written so far
	MsgRestore  uint8 = 0x38 // server: uint64 stream bytes it stands for + terminal drawing

	MsgHeartbeat uint8 = 0x40 // both ways, on remote connections: I am here (empty payload)
)

// RestoreHeader is the size of MsgRestore's count of stream bytes.
const RestoreHeader = 8

// ErrFrameTooLarge is returned for a frame whose length exceeds MaxFrame.
var ErrFrameTooLarge = errors.New("frame too large")

// Header encodes a frame header into h.
func Header(h *[HeaderSize]byte, typ uint8, n int) {
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(n))
}

// ReadHeader reads one frame header and checks its length.
func ReadHeader(r io.Reader) (typ uint8, n int, err error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, err
	}
	size := binary.BigEndian.Uint32(h[1:])
	if size > MaxFrame {
		return h[0], 0, fmt.Errorf("%w: %d bytes (limit %d)", ErrFrameTooLarge, size, MaxFrame)
	}
	return h[0], int(size), nil
}

// ReadFrame reads a whole frame, reusing buf when it is large enough.
func ReadFrame(r io.Reader, buf []byte) (typ uint8, payload []byte, err error) {
	typ, n, err := ReadHeader(r)
	if err != nil {
		return 0, nil, err
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return typ, buf, nil
}

// EncodeHello builds the MsgHello payload: ProtocolVersion, the
// heartbeat interval (a server's; a client says 0), the program's version.
func EncodeHello(program string, heartbeat time.Duration) []byte {
	p := make([]byte, 8+len(program))
	binary.BigEndian.PutUint32(p, ProtocolVersion)
	binary.BigEndian.PutUint32(p[4:], uint32(min(max(heartbeat.Milliseconds(), 0), math.MaxUint32)))
	copy(p[8:], program)
	return p
}

// DecodeHello splits a MsgHello payload. Only the version is sure to
// mean the same in every protocol version: a hello of another version is
// read as version 14's was (the rest is the program), with no heartbeat.
func DecodeHello(p []byte) (version uint32, heartbeat time.Duration, program string, err error) {
	if len(p) < 4 {
		return 0, 0, "", errors.New("short hello")
	}
	version = binary.BigEndian.Uint32(p)
	if version != ProtocolVersion {
		return version, 0, string(p[4:]), nil
	}
	if len(p) < 8 {
		return 0, 0, "", errors.New("short hello")
	}
	return version, time.Duration(binary.BigEndian.Uint32(p[4:])) * time.Millisecond, string(p[8:]), nil
}

// EncodeAck builds a MsgAck payload.
func EncodeAck(n int64) []byte {
	p := make([]byte, 8)
	binary.BigEndian.PutUint64(p, uint64(n))
	return p
}

// DecodeAck reads a MsgAck payload.
func DecodeAck(p []byte) (int64, error) {
	if len(p) != 8 {
		return 0, fmt.Errorf("bad ack payload (%d bytes)", len(p))
	}
	n := binary.BigEndian.Uint64(p)
	if n > 1<<62 {
		return 0, fmt.Errorf("bad ack %d", n)
	}
	return int64(n), nil
}

// EncodeSize builds a MsgResize payload.
func EncodeSize(cols, rows int) []byte {
	p := make([]byte, 4)
	binary.BigEndian.PutUint16(p, uint16(clamp(cols)))
	binary.BigEndian.PutUint16(p[2:], uint16(clamp(rows)))
	return p
}

// DecodeSize reads a MsgResize payload.
func DecodeSize(p []byte) (cols, rows int, err error) {
	if len(p) != 4 {
		return 0, 0, fmt.Errorf("bad resize payload (%d bytes)", len(p))
	}
	cols, rows = int(binary.BigEndian.Uint16(p)), int(binary.BigEndian.Uint16(p[2:]))
	if cols == 0 || rows == 0 {
		return 0, 0, fmt.Errorf("bad size %dx%d", cols, rows)
	}
	return cols, rows, nil
}

func clamp(v int) int {
	if v < 1 {
		return 1
	}
	if v > 0xffff {
		return 0xffff
	}
	return v
}

// EncodeRestore makes the MsgRestore payloads for a drawing that stands
// for covered stream bytes: the drawing split to fit MaxFrame, the count in
// the first frame (0 in the others). An empty drawing still makes one
// frame when covered > 0.
func EncodeRestore(draw []byte, covered int64) [][]byte {
	var frames [][]byte
	for first := true; first || len(draw) > 0; first = false {
		n := min(len(draw), MaxFrame-RestoreHeader)
		p := make([]byte, RestoreHeader+n)
		if first {
			binary.BigEndian.PutUint64(p, uint64(covered))
		}
		copy(p[RestoreHeader:], draw[:n])
		draw = draw[n:]
		frames = append(frames, p)
	}
	return frames
}

// DecodeRestore splits a MsgRestore payload into the count of stream bytes
// it stands for and the drawing.
func DecodeRestore(p []byte) (covered int64, draw []byte, err error) {
	if len(p) < RestoreHeader {
		return 0, nil, fmt.Errorf("bad restore payload (%d bytes)", len(p))
	}
	n := binary.BigEndian.Uint64(p)
	if n > 1<<62 {
		return 0, nil, fmt.Errorf("bad restore count %d", n)
	}
	return int64(n), p[RestoreHeader:], nil
}
