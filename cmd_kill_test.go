package main

// End-to-end tests of `linger kill` (alias rm) and `linger detach`.

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestKillByName(t *testing.T) {
	e := newEnv(t)
	// Keep the server once the last session is gone, to list afterwards
	// (exit_when_empty has its own tests).
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	newDetached(t, e, "a", "sleep", "100")
	newDetached(t, e, "b", "sh", "-c", "sleep 100; echo never")
	pa, pb := sessionPid(t, e, "a"), sessionPid(t, e, "b")

	r := e.Run("kill", "a")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("kill a\n%v", r)
	}
	// Removed at once; its process ends.
	if names := sessionNames(t, e); strings.Join(names, ",") != "b" {
		t.Errorf("after kill a, sessions = %q, want [b]", names)
	}
	waitGone(t, pa, harnessWait, "session a's process")
	if !procAlive(pb) {
		t.Errorf("kill a also ended b's process")
	}

	// The alias; the whole process group ends, not only the leader.
	if r := e.Run("rm", "b"); r.Code != 0 {
		t.Fatalf("rm b\n%v", r)
	}
	poll(t, "session b's process group to end", harnessWait, func() bool { return !groupAlive(pb) })
	if names := sessionNames(t, e); len(names) != 0 {
		t.Errorf("after rm b, sessions = %q, want none", names)
	}
}

func TestKillByID(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "one", "sleep", "100")
	newDetached(t, e, "two", "sleep", "100")
	p2 := sessionPid(t, e, "two")
	if r := e.Run("kill", "2"); r.Code != 0 {
		t.Fatalf("kill 2\n%v", r)
	}
	if names := sessionNames(t, e); strings.Join(names, ",") != "one" {
		t.Errorf("after kill 2, sessions = %q, want [one]", names)
	}
	waitGone(t, p2, harnessWait, "session 2's process")

	// An unknown ID is an error.
	r := e.Run("kill", "7")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no session with ID 7") {
		t.Errorf("kill 7: want exit 1 and \"no session with ID 7\"\n%v", r)
	}
}

func TestKillAll(t *testing.T) {
	e := newEnv(t)
	// exit_when_empty would end the server: keep it to list afterwards.
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	var pids []int
	for _, n := range []string{"k1", "k2", "k3"} {
		newDetached(t, e, n, "sleep", "100")
		pids = append(pids, sessionPid(t, e, n))
	}
	if r := e.Run("kill", "--all"); r.Code != 0 {
		t.Fatalf("kill --all\n%v", r)
	}
	if names := sessionNames(t, e); len(names) != 0 {
		t.Errorf("after kill --all, sessions = %q", names)
	}
	for _, p := range pids {
		waitGone(t, p, harnessWait, "a killed session's process")
	}
	// --all and names together is a usage error.
	if r := e.Run("kill", "--all", "x"); r.Code != 2 {
		t.Errorf("kill --all x: want exit 2\n%v", r)
	}
}

func TestKillUnknownKillsNothing(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "real", "sleep", "100")
	pid := sessionPid(t, e, "real")

	r := e.Run("kill", "real", "x")
	want := "linger: no session named \"x\" (try 'linger ls')\n"
	if r.Code != 1 || r.Stderr != want || r.Stdout != "" {
		t.Errorf("kill real x: want exit 1 and %q\n%v", want, r)
	}
	// Order does not matter either.
	r = e.Run("rm", "x", "real")
	if r.Code != 1 || r.Stderr != want {
		t.Errorf("rm x real: want exit 1 and %q\n%v", want, r)
	}
	if names := sessionNames(t, e); strings.Join(names, ",") != "real" {
		t.Errorf("a failed kill removed sessions: %q", names)
	}
	if !procAlive(pid) {
		t.Errorf("a failed kill ended the valid session's process %d", pid)
	}

	r = e.Run("kill")
	if r.Code != 2 || !strings.Contains(r.Stderr, "kill needs a session NAME or ID") {
		t.Errorf("kill with no arguments: want exit 2\n%v", r)
	}
	if !procAlive(pid) || len(sessionNames(t, e)) != 1 {
		t.Errorf("kill with no arguments killed something")
	}
}

// sigIgnored reports whether pid ignores signal sig (from /proc/PID/status).
func sigIgnored(pid, sig int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(sig-1)) != 0
		}
	}
	return false
}

func TestKillSIGKILLAfterGrace(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "stubborn", "sh", "-c", `trap "" HUP; while :; do sleep 1; done`)
	pid := sessionPid(t, e, "stubborn")
	// Kill only once the trap is in place, or SIGHUP would end it at once.
	poll(t, "the shell to ignore SIGHUP", harnessWait, func() bool { return sigIgnored(pid, 1) })

	start := time.Now()
	if r := e.Run("kill", "stubborn"); r.Code != 0 {
		t.Fatalf("kill stubborn\n%v", r)
	}
	if time.Since(start) < time.Second && !procAlive(pid) {
		t.Errorf("a program ignoring SIGHUP ended before the grace period")
	}
	poll(t, "the SIGHUP-ignoring group to be SIGKILLed", 10*time.Second, func() bool { return !groupAlive(pid) })
	// SIGKILL comes no earlier than the grace (2s) after the request.
	if d := time.Since(start); d < 1900*time.Millisecond {
		t.Errorf("the group ended %v after kill, before the 2s grace", d)
	}
}

func TestKillDetachCommand(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "d", "sleep", "100")
	pid := sessionPid(t, e, "d")
	r := e.Run("detach", "d")
	if r.Code != 0 || r.Stderr != "" {
		t.Errorf("detach d with no client: want exit 0\n%v", r)
	}
	r = e.Run("detach", "nope")
	if r.Code != 1 || r.Stderr != "linger: no session named \"nope\" (try 'linger ls')\n" {
		t.Errorf("detach nope: want exit 1 and the no-session message\n%v", r)
	}
	// Detach ends nothing.
	s := sessionByName(lsJSON(t, e), "d")
	if s == nil || s["state"] != "Disconnected" || !procAlive(pid) {
		t.Errorf("after detach, session = %v (pid alive: %v)", s, procAlive(pid))
	}
}

func TestKillAttachedClientLearnsIt(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	newDetached(t, e, "att", "sh", "-c", "echo ready; sleep 100")
	tm := e.Start(80, 24, "attach", "att")
	poll(t, "the session to be Busy", harnessWait, func() bool {
		s := sessionByName(lsJSON(t, e), "att")
		return s != nil && s["availability"] == "Busy" && s["clients"] == float64(1)
	})
	if r := e.Run("kill", "att"); r.Code != 0 {
		t.Fatalf("kill att\n%v", r)
	}
	// The attached client ends (the session's program was killed).
	tm.WaitText(", killed)]")
	if code := tm.WaitExit(); code != 128+1 {
		t.Errorf("attached client exit code = %d, want 129 (SIGHUP)\n%s", code, tm.Screen())
	}
	if names := sessionNames(t, e); len(names) != 0 {
		t.Errorf("sessions after kill: %q", names)
	}
}
