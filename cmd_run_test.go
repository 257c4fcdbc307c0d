package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rnBash starts a detached bash session called name (with the
// integration the server injects) and waits until a run works in it.
func rnBash(t *testing.T, e *env, name string) { rnShell(t, e, name, "bash") }

// rnShell is rnBash for shell sh.
func rnShell(t *testing.T, e *env, name, sh string) {
	t.Helper()
	if _, err := exec.LookPath(sh); err != nil {
		t.Skipf("%s not installed", sh)
	}
	if r := e.Run("new", "-d", name, "--", sh); r.Code != 0 {
		t.Fatalf("new -d %s -- %s: %v", name, sh, r)
	}
	if r := e.Run("run", "--wait", "10s", name, "--", "true"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("first run in %s: %v", name, r)
	}
}

// rnWant runs linger with args and checks its status and stdout.
func rnWant(t *testing.T, e *env, code int, stdout string, args ...string) result {
	t.Helper()
	r := e.Run(args...)
	if r.Code != code || r.Stdout != stdout {
		t.Errorf("linger %s: exit %d stdout %q (stderr %q), want exit %d stdout %q", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr, code, stdout)
	}
	return r
}

func TestRunBashSharedStateAndStatus(t *testing.T) { rnStateAndStatus(t, "bash") }
func TestRunZshSharedStateAndStatus(t *testing.T)  { rnStateAndStatus(t, "zsh") }

func rnStateAndStatus(t *testing.T, sh string) {
	e := newEnv(t)
	rnShell(t, e, "dev", sh)
	dir := filepath.Join(e.Home, "app dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rnWant(t, e, 0, "", "run", "dev", "--", "cd", dir)
	rnWant(t, e, 0, "", "run", "dev", "--", "export", "MODE=test")
	rnWant(t, e, 0, "", "run", "dev", "-c", "greet() { echo hello \"$1\"; }; declare -A m=([k]=v)")
	rnWant(t, e, 0, dir+"\ntest\n", "run", "dev", "--", "sh", "-c", "pwd; echo $MODE")
	rnWant(t, e, 0, "hello you v\n", "run", "dev", "-c", `greet you | tr -d '\n'; echo " ${m[k]}"`)

	rnWant(t, e, 0, "a\nb\n", "run", "dev", "--", "printf", `a\nb\n`)
	rnWant(t, e, 0, "a\r\nb\r\n", "run", "--raw", "dev", "--", "printf", `a\nb\n`)
	rnWant(t, e, 1, "", "run", "dev", "--", "false")
	rnWant(t, e, 42, "", "run", "dev", "-c", "(exit 42)")
	rnWant(t, e, 3, "", "run", "dev", "-c", "return 3")
	if r := e.Run("run", "dev", "-c", "echo a; fi"); r.Code == 0 || !strings.Contains(r.Stdout, "error") {
		t.Errorf("a syntax error: %v, want a non-zero status and bash's message", r)
	}
	// the shell is fine afterwards, and still where it was
	rnWant(t, e, 0, dir+"\n", "run", "dev", "--", "pwd")

	// a sleep killed by SIGTERM: 128+15; its pid is what a busy session says
	done := make(chan result, 1)
	go func() { done <- e.Run("run", "dev", "--", "sleep", "30") }()
	re := regexp.MustCompile(`running "sleep 30" \(run \d+\) for`)
	var pid int
	poll(t, "the sleep to run", harnessWait, func() bool {
		r := e.Run("run", "--wait", "0", "dev", "--", "true")
		if r.Code != 75 || !re.MatchString(r.Stderr) {
			return false
		}
		out, _ := exec.Command("pgrep", "-x", "-s", strconv.Itoa(rnSessionPid(t, e, "dev")), "sleep").Output()
		pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		return pid > 0
	})
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case r := <-done:
		if r.Code != 128+15 {
			t.Errorf("killed sleep: %v, want exit 143", r)
		}
	case <-time.After(harnessWait):
		t.Fatal("the run of the killed sleep never ended")
	}
}

// rnSessionPid is the pid of session name's command.
func rnSessionPid(t *testing.T, e *env, name string) int {
	t.Helper()
	s := naSession(naLsJSON(t, e), name)
	if s == nil {
		t.Fatalf("no session %s", name)
	}
	return s.Pid
}

func TestRunBashOutputExact(t *testing.T) { rnOutputExact(t, "bash") }
func TestRunZshOutputExact(t *testing.T)  { rnOutputExact(t, "zsh") }

func rnOutputExact(t *testing.T, sh string) {
	e := newEnv(t)
	rnShell(t, e, "dev", sh)
	// 1 MB and more, complete and in order
	want, err := exec.Command("seq", "1", "160000").Output()
	if err != nil {
		t.Fatal(err)
	}
	r := e.Run("run", "dev", "--", "seq", "1", "160000")
	if r.Code != 0 || sha256.Sum256([]byte(r.Stdout)) != sha256.Sum256(want) {
		t.Errorf("seq 1 160000: exit %d, %d bytes (want %d), stderr %q", r.Code, len(r.Stdout), len(want), r.Stderr)
	}
	// an end mark in the output, with a wrong nonce or none: only output
	forged := `printf 'x\033]6973;0123;E;%s;0\007y\n'; printf '\033]6973;;P\007'; sleep 0.2; echo after`
	for id := 1; id <= 3; id++ {
		r := e.Run("run", "dev", "-c", fmt.Sprintf(forged, strconv.Itoa(id)))
		if r.Code != 0 || !strings.HasSuffix(r.Stdout, "y\n\x1b]6973;;P\aafter\n") {
			t.Errorf("forged marks: %v, want the run to go on to \"after\"", r)
		}
	}
	// what a terminal gets has the OSC 133 marks and no private ones
	tm := e.Start(80, 24, "attach", "dev")
	tm.WaitText("after")
	for range 2 {
		r := e.Run("run", "dev", "-c", fmt.Sprintf(forged, "1"))
		if r.Code != 0 {
			t.Fatal(r)
		}
	}
	out := string(tm.Output())
	for _, m := range regexp.MustCompile(`\x1b\]6973;([^;\a]*)`).FindAllStringSubmatch(out, -1) {
		if m[1] != "0123" && m[1] != "" {
			t.Errorf("the attached terminal got a private mark with nonce %q", m[1])
		}
	}
	for _, m := range []string{"A", "B", "C", "D;0"} {
		if !strings.Contains(out, "\x1b]133;"+m) {
			t.Errorf("the attached terminal got no OSC 133;%s mark", m)
		}
	}
	if r := e.Run("capture", "dev"); strings.Contains(r.Stdout, "6973") {
		t.Errorf("capture shows a private mark: %q", r.Stdout)
	}
}

func TestRunBashHistoryClean(t *testing.T) {
	e := newEnv(t)
	hist := filepath.Join(e.Home, "private_history")
	rc := "unset HISTCONTROL HISTIGNORE\nHISTFILE=" + hist + "\nPS1='$ '\nPROMPT_COMMAND='__last=$?; history -a'\n"
	if err := os.WriteFile(filepath.Join(e.Home, ".bashrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	rnBash(t, e, "dev")
	tm := e.Start(80, 24, "attach", "dev")
	tm.WaitText("$ ")
	tm.Type("echo typed\r")
	naWaitLine(tm, "typed")
	poll(t, "the typed line's prompt", harnessWait, func() bool {
		return e.Run("run", "--wait", "0", "dev", "--", "true").Code == 0
	})
	for i := range 10 {
		rnWant(t, e, 0, fmt.Sprintf("run %d\n", i), "run", "dev", "-c", fmt.Sprintf("echo run %d", i))
	}
	// the user's PROMPT_COMMAND still sees each command's $?
	rnWant(t, e, 5, "", "run", "dev", "-c", "(exit 5)")
	rnWant(t, e, 0, "5\n", "run", "dev", "-c", "echo $__last")
	rnWant(t, e, 0, "echo typed\n", "run", "dev", "-c", "HISTTIMEFORMAT= history | sed 's/^ *[0-9]* *//'")
	b, err := os.ReadFile(hist)
	if err != nil || string(b) != "echo typed\n" {
		t.Errorf("history file: %q (%v), want only \"echo typed\"", b, err)
	}
	// the person's own commands are kept
	tm.Type("echo again\r")
	naWaitLine(tm, "again")
	poll(t, "echo again in the history file", harnessWait, func() bool {
		b, _ := os.ReadFile(hist)
		return string(b) == "echo typed\necho again\n"
	})
}

func TestRunBashBusy(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.Home, ".bashrc"), []byte("PS1='$ '\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rnBash(t, e, "dev")
	tm := e.Start(80, 24, "attach", "dev")
	tm.WaitText("$ ")

	// the person's own command in the foreground
	tm.Type("sleep 3\r")
	tm.WaitText("$ sleep 3") // the keys reached the shell
	var r result
	if !pollQuiet(harnessWait, func() bool {
		r = e.Run("run", "--wait", "0", "dev", "--", "echo", "ran")
		return strings.Contains(r.Stderr, `running "sleep 3"`)
	}) {
		o := tm.Output()
		t.Fatalf("the session never was busy with sleep 3: %v\n%q", r, o[:min(len(o), 1500)])
	}
	start := time.Now()
	r = e.Run("run", "--wait", "0", "dev", "--", "echo", "ran")
	if took := time.Since(start); r.Code != 75 || took > time.Second ||
		!regexp.MustCompile(`^linger: session dev is busy: running "sleep 3" \(pid \d+\) for \d+s\n$`).MatchString(r.Stderr) {
		t.Errorf("run --wait 0 while sleep 3 runs: %v in %s, want exit 75 at once, saying so", r, took)
	}
	// a plain run waits, then runs
	rnWant(t, e, 0, "ran\n", "run", "dev", "--", "echo", "ran")

	// a partly typed line: refused, and left as it was
	tm.Type("echo part")
	tm.WaitText("$ echo part")
	r = e.Run("run", "--wait", "0", "dev", "--", "true")
	if r.Code != 75 || r.Stderr != "linger: session dev is busy: a partly typed line is at the prompt\n" {
		t.Errorf("run with a partly typed line: %v", r)
	}
	tm.Type("ial\r")
	naWaitLine(tm, "partial")

	// runs waiting start in the order they asked
	go e.Run("run", "dev", "--", "sleep", "1")
	poll(t, "the first run to start", harnessWait, func() bool {
		return strings.Contains(e.Run("run", "--wait", "0", "dev", "--", "true").Stderr, `running "sleep 1"`)
	})
	second := make(chan time.Time, 1)
	go func() {
		e.Run("run", "dev", "--", "true")
		second <- time.Now()
	}()
	time.Sleep(100 * time.Millisecond) // the second asks first (no event to wait for)
	rnWant(t, e, 0, "third\n", "run", "dev", "--", "echo", "third")
	thirdDone := time.Now()
	select {
	case t2 := <-second:
		if t2.After(thirdDone) {
			t.Errorf("the second run ended after the third")
		}
	case <-time.After(harnessWait):
		t.Error("the second run never ended")
	}
}

func TestRunRefusesWithoutIntegration(t *testing.T) {
	e := newEnv(t)
	if r := e.Run("new", "-d", "plain", "--", "sh"); r.Code != 0 {
		t.Fatal(r)
	}
	r := e.Run("run", "--wait", "10s", "plain", "--", "true")
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "linger send") || !strings.Contains(r.Stderr, "not a shell with linger's integration") {
		t.Errorf("run in sh: %v, want a refusal suggesting linger send", r)
	}
	rnWant(t, e, 2, "", "run", "plain")
	r = e.Run("init", "bash")
	if r.Code != 0 || !strings.Contains(r.Stdout, "__linger_hook") {
		t.Errorf("init bash: %v", r)
	}
}

func TestRunThroughSSHD(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	run := func(args ...string) result {
		return e.RunEnv([]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}, append([]string{"-H", "ssh://" + s.Alias}, args...)...)
	}
	if r := run("new", "-d", "dev", "--", "bash"); r.Code != 0 {
		t.Fatal(r)
	}
	if r := run("run", "--wait", "10s", "dev", "-c", "cd /; pwd; (exit 7)"); r.Code != 7 || r.Stdout != "/\n" {
		t.Errorf("run over ssh: %v, want / and exit 7", r)
	}
}

func TestRunBashLoginReadsProfile(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.Home, ".bash_profile"), []byte("export FROM_PROFILE=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.Home, ".bashrc"), []byte("FROM_RC=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := e.RunEnv([]string{"SHELL=/bin/bash"}, "new", "-d", "lg"); r.Code != 0 {
		t.Fatal(r)
	}
	rnWant(t, e, 0, "yes \n", "run", "--wait", "10s", "lg", "-c", `echo "$FROM_PROFILE $FROM_RC"`)
	if r := e.Run("new", "-d", "rc", "--", "bash"); r.Code != 0 {
		t.Fatal(r)
	}
	rnWant(t, e, 0, " yes\n", "run", "--wait", "10s", "rc", "-c", `echo "$FROM_PROFILE $FROM_RC"`)
}

func TestRunZshHistoryClean(t *testing.T) {
	e := newEnv(t)
	hist := filepath.Join(e.Home, "private_history")
	rc := "HISTFILE=" + hist + "\nHISTSIZE=100\nSAVEHIST=100\nsetopt SHARE_HISTORY\nunsetopt HIST_IGNORE_SPACE EXTENDED_HISTORY\nPS1='$ '\nprecmd() { __last=$? }\n"
	if err := os.WriteFile(filepath.Join(e.Home, ".zshrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	rnShell(t, e, "dev", "zsh")
	tm := e.Start(80, 24, "attach", "dev")
	tm.WaitText("$ ")
	tm.Type("echo typed\r")
	naWaitLine(tm, "typed")
	poll(t, "the typed line's prompt", harnessWait, func() bool {
		return e.Run("run", "--wait", "0", "dev", "--", "true").Code == 0
	})
	for i := range 10 {
		rnWant(t, e, 0, fmt.Sprintf("run %d\n", i), "run", "dev", "-c", fmt.Sprintf("echo run %d", i))
	}
	// the user's precmd still sees each command's $?
	rnWant(t, e, 5, "", "run", "dev", "-c", "(exit 5)")
	rnWant(t, e, 0, "5\n", "run", "dev", "-c", "echo $__last")
	// in memory: what the person typed (the running line lingers, as
	// zsh keeps any line its zshaddhistory hook refuses until the next)
	r := e.Run("run", "dev", "-c", "fc -ln 1 | grep -v run-")
	if r.Code != 0 || r.Stdout != "echo typed\n" {
		t.Errorf("history in memory: %v", r)
	}
	b, err := os.ReadFile(hist)
	if err != nil || string(b) != "echo typed\n" {
		t.Errorf("history file: %q (%v), want only \"echo typed\"", b, err)
	}
	tm.Type("echo again\r")
	naWaitLine(tm, "again")
	if !pollQuiet(harnessWait, func() bool {
		b, _ := os.ReadFile(hist)
		return strings.HasPrefix(string(b), "echo typed\n") && strings.HasSuffix(string(b), ";echo again\n") && !strings.Contains(string(b), "run")
	}) {
		b, _ := os.ReadFile(hist)
		t.Errorf("history file after echo again: %q", b)
	}
}

func TestRunBashInterruptAndExit(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.Home, ".bashrc"), []byte("PS1='$ '\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rnBash(t, e, "dev")
	tm := e.Start(80, 24, "attach", "dev")
	tm.WaitText("$ ")
	done := make(chan result, 1)
	go func() { done <- e.Run("run", "dev", "-c", "echo started; sleep 100; echo not reached") }()
	naWaitLine(tm, "started")
	poll(t, "sleep 100 to run", harnessWait, func() bool {
		out, _ := exec.Command("pgrep", "-x", "-s", strconv.Itoa(rnSessionPid(t, e, "dev")), "sleep").Output()
		return len(out) > 0
	})
	tm.Type("\x03") // Ctrl-C, as the person would
	select {
	case r := <-done:
		if r.Code != 130 || !strings.HasPrefix(r.Stdout, "started\n") {
			t.Errorf("Ctrl-C during sleep 100: %v, want exit 130", r)
		}
	case <-time.After(harnessWait):
		t.Fatal("the interrupted run never ended")
	}
	rnWant(t, e, 0, "still here\n", "run", "--wait", "5s", "dev", "--", "echo", "still here")
	// exit ends the session and the run, with its status
	rnWant(t, e, 7, "", "run", "dev", "--", "exit", "7")
	if code := tm.WaitExit(); code != 7 {
		t.Errorf("the attached client exited %d, want 7", code)
	}
}

func TestRunFishStateStatusHistory(t *testing.T) {
	e := newEnv(t)
	data := filepath.Join(e.Home, "data")
	e.Env = overlayEnv(e.Env, []string{"XDG_DATA_HOME=" + data})
	rnShell(t, e, "dev", "fish")
	rnWant(t, e, 0, "", "run", "dev", "--", "cd", "/")
	rnWant(t, e, 0, "", "run", "dev", "-c", "function greet; echo hello $argv; end; set -gx MODE test")
	rnWant(t, e, 0, "/\ntest\nhello you\n", "run", "dev", "-c", "pwd; sh -c 'echo $MODE'; greet you")
	rnWant(t, e, 0, "a\nb\\c'd\n", "run", "dev", "--", "printf", `a\nb\\c'd\n`)
	rnWant(t, e, 1, "", "run", "dev", "--", "false")
	rnWant(t, e, 42, "", "run", "dev", "--", "sh", "-c", "exit 42")
	if r := e.Run("run", "dev", "-c", "echo a; end"); r.Code == 0 || !strings.Contains(r.Stdout, "outside of a block") {
		t.Errorf("a syntax error: %v, want a non-zero status and fish's message", r)
	}
	rnWant(t, e, 0, "/\n", "run", "dev", "--", "pwd")

	tm := e.Start(80, 24, "attach", "dev")
	tm.Type("echo typed\r")
	naWaitLine(tm, "typed")
	poll(t, "the typed line's prompt", harnessWait, func() bool {
		return e.Run("run", "--wait", "0", "dev", "--", "true").Code == 0
	})
	for i := range 10 {
		rnWant(t, e, 0, fmt.Sprintf("run %d\n", i), "run", "dev", "-c", fmt.Sprintf("echo run %d", i))
	}
	rnWant(t, e, 0, "echo typed\n", "run", "dev", "-c", "history save; history | cat")
	b, err := os.ReadFile(filepath.Join(data, "fish", "fish_history"))
	if err != nil || !strings.Contains(string(b), "echo typed") || strings.Contains(string(b), "run") || strings.Contains(string(b), "source") {
		t.Errorf("fish_history: %q (%v), want echo typed and nothing of the runs", b, err)
	}
}
