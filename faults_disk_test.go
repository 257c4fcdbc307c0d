package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"linger/socket"
)

// TestFaultLogDiskFull: a log_file on a full filesystem (a 64 KiB tmpfs)
// fails with ENOSPC mid-session. The failure shows in ls, the session keeps
// running, and receive still gets every byte (the log is extra, never in
// the way). Needs root for the mount.
func TestFaultLogDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	e := newEnv(t)
	mnt := filepath.Join(e.Dir, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	e.WriteConfig("[configurations.default]\nlog_file = \"" + mnt + "/{name}.log\"\nbuffer_size = \"1MiB\"\n")
	// 300 KB of output: the log fills up after 64 KiB
	newDetached(t, e, "full", "sh", "-c", `awk 'BEGIN{for(i=0;i<10000;i++) printf "line %05d xxxxxxxxxxxxxxxxxx\n", i}'; echo END; exec sleep 1000`)
	s := naWaitSession(t, e, "full", "the whole output held", func(s *socket.SessionInfo) bool {
		return s.BufferedBytes >= 10000*31+5
	})
	if !strings.Contains(deref(s.LogError), "no space left on device") || !procAlive(s.Pid) || s.State != "Disconnected" {
		t.Errorf("after the log's disk filled: want log_error ENOSPC and the session running: %+v", s)
	}
	r := e.Run("receive", "full")
	if r.Code != 0 || strings.Count(r.Stdout, "\n") != 10001 || !strings.HasSuffix(r.Stdout, "END\r\n") {
		t.Errorf("receive after the log failed: exit %d, %d lines", r.Code, strings.Count(r.Stdout, "\n"))
	}
	if r := e.Run("ls", "-l"); !strings.Contains(r.Stdout, "log failing") {
		t.Errorf("ls should say the log is failing\n%v", r)
	}
	fi, err := os.Stat(filepath.Join(mnt, "full.log"))
	if err != nil || fi.Size() == 0 || fi.Size() > 64<<10 {
		t.Errorf("the log should hold what fitted: %v %v", fi, err)
	}
}

// TestSecuritySocketDirOwnedByOther: a socket directory that belongs to
// another user is refused, even when its mode is 0700. Needs root to chown.
func TestSecuritySocketDirOwnedByOther(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a directory to another user")
	}
	e := newEnv(t)
	other := filepath.Join(e.Dir, "other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(other, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(other, "s.sock")
	r := e.RunEnv([]string{"LINGER_SOCKET=" + sock}, "new", "-d", "x", "--", "sleep", "100")
	if r.Code != 1 || !strings.Contains(r.Stderr, "is owned by uid 65534, not you") {
		t.Errorf("a socket directory owned by uid 65534: want exit 1 naming the owner\n%v", r)
	}
	if _, err := os.Stat(sock); err == nil {
		t.Errorf("a socket was created in a directory owned by someone else")
	}
}
