package client

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"linger/socket"
)

// StopTimeout bounds how long Stop waits for the server to be gone after
// it said it stops: its sessions had mux.KillGrace before the reply, its
// other connections get a few seconds more.
const StopTimeout = 10 * time.Second

// Stop ends the server and every session (OpStop) and returns once the
// server is gone, so that a command run right after finds no server: the
// server keeps the connection open until it has finished, and then its
// process (the peer, from SO_PEERCRED) is given a moment to exit. It
// returns how many sessions were ended.
func (e Endpoint) Stop(req *socket.Request) (int, error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	pid := serverPid(conn)
	start, _ := procStart(pid)
	rep, err := conn.Request(req)
	if err != nil {
		return 0, err
	}
	conn.SetReadDeadline(time.Now().Add(StopTimeout))
	var more socket.Reply
	if err := conn.ReadJSON(socket.MsgReply, &more); errors.Is(err, os.ErrDeadlineExceeded) {
		return rep.Count, fmt.Errorf("the server said it stops but has not finished after %v (see %s)", StopTimeout, e.LogFile)
	}
	// Gone from the conversation; its process exits right after (unless
	// the server runs inside another program): a short wait, not an error.
	deadline := time.Now().Add(time.Second)
	for start != "" && time.Now().Before(deadline) {
		if st, alive := procStart(pid); !alive || st != start {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	return rep.Count, nil
}

// serverPid is the pid of the process at the other end of conn; 0 if not
// known (not a unix socket).
func serverPid(conn *socket.Conn) int {
	sc, ok := conn.Stream().(syscall.Conn)
	if !conn.Unix() || !ok {
		return 0
	}
	_, pid, err := socket.PeerCred(sc)
	if err != nil {
		return 0
	}
	return int(pid)
}

// procStart returns the start time of process pid (/proc/PID/stat field
// 22, which tells a reused pid apart) and whether it is alive: a zombie,
// exited but not yet reaped, counts as exited.
func procStart(pid int) (start string, alive bool) {
	if pid <= 0 {
		return "", false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// after the command, which is in parentheses and may hold anything
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", false
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); field 22 is f[19]
	if len(f) < 20 {
		return "", false
	}
	if f[0][0] == 'Z' || f[0][0] == 'X' {
		return "", false
	}
	return string(f[19]), true
}

// Reload asks the server to read its configuration file again (OpReload;
// req.ConfigPath names another file). A refused file's problems are in
// the reply, with the configuration the server keeps.
func (e Endpoint) Reload(req *socket.Request) (*socket.Reply, error) {
	return e.Request(req)
}

// LoadedConfig asks a running server what configuration it has loaded
// (OpConfig). It starts no server.
func (e Endpoint) LoadedConfig() (*socket.ConfigInfo, error) {
	if e.Host != nil {
		return e.loadedConfig(e.Connect(false))
	}
	return e.loadedConfig(socket.Dial(e.Socket, e.Program))
}

func (e Endpoint) loadedConfig(conn *socket.Conn, err error) (*socket.ConfigInfo, error) {
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rep, err := conn.Request(&socket.Request{Op: socket.OpConfig})
	if err != nil {
		return nil, err
	}
	if rep.Config == nil {
		return nil, errors.New("the server did not say which configuration it has loaded")
	}
	return rep.Config, nil
}

// checkConfig tells e.Warn, when the running server has loaded another
// file than e.Config (the client's -c or $LINGER_CONFIG).
func (e Endpoint) checkConfig() {
	if e.Config == "" || e.Warn == nil {
		return
	}
	info, err := e.LoadedConfig()
	if err != nil || SameFile(info.Path, e.Config) {
		return
	}
	e.Warn(ConfigMismatch(e.Socket, info, e.Config))
}

// ConfigMismatch says, on one line, that the server on sock uses another
// configuration than file, and what to do.
func ConfigMismatch(sock string, info *socket.ConfigInfo, file string) string {
	uses := "the built-in defaults"
	if info.Path != "" {
		uses = info.Path
	}
	return fmt.Sprintf("warning: the server on %s uses %s, not %s (-c and $LINGER_CONFIG apply to a server this command starts; to switch, run 'linger -c %s server reload')",
		sock, uses, file, file)
}

// SameFile reports whether paths a and b name the same file: equal when
// cleaned, or the same inode.
func SameFile(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
