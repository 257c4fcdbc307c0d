package main

// Figures over ssh to 127.0.0.1 (issue 17): `linger -H ssh://ALIAS ...`
// beside the plain ssh command that is its floor, measured in the same
// rounds. The harness starts its own sshd on a free port of 127.0.0.1, with
// a host key and a client key made in the run directory, and writes an
// ssh_config whose aliases lb1 ... lb8 all reach it. The login's
// environment (sshd's SetEnv) puts the linger under test first on PATH and
// points it at the linger tool's socket, so `linger dial-stdio` there
// reaches the same server the local commands use.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"linger/vt"
)

// sshTests are the figures over ssh, selectable with -tests like the others.
var sshTests = []string{"ssh-throughput", "ssh-echo", "ssh-ls", "ssh-hosts", "ssh-resume", "ssh-heartbeat", "ssh-idle"}

const (
	sshdPath  = "/usr/sbin/sshd"
	sshAliasN = 8 // aliases in the ssh_config: the many-hosts listing uses them all
)

// sshRes holds the ssh figures; note says why none was measured.
type sshRes struct {
	note string

	tpBytes  int64
	tpLinger tpRes // linger -H attach
	tpSSH    tpRes // ssh ALIAS sh, the same command typed
	// CPU ms by kind of process (cpuByProcess), summed over the rounds
	tpCPULinger, tpCPUSSH map[string]float64

	echoLinger echoRes // linger -H attach
	echoSSH    echoRes // ssh -t ALIAS, the same program

	// ms per run, rounds interleaved
	ls, sshTrue, localLs []float64
	lsCPU, sshTrueCPU    []float64 // ms of CPU, all processes, per linger -H ls and per ssh true
	lsErr                string

	hostsNote        string // "not supported by this build ..."
	hostsOne, hostsN []float64
	sshTrueN         []float64 // sshAliasN `ssh ALIAS true` at once: the floor of the logins alone
	cpuOne, cpuN     []float64 // all processes, ms per run
	nearOne, nearN   []float64 // of which the commands run here (linger, ssh clients)
	hostsErr         string
}

// sshd is a running sshd of the harness.
type sshd struct {
	cfg string   // ssh_config with the aliases lb1 ... lb8
	env []string // the linger tool's environment plus LINGER_SSH (ssh -F cfg)

	port    int    // sshd's, on 127.0.0.1
	hostPub []byte // its host key, for known_hosts lines
	known   string // the known_hosts file
	block   string // the Host block's options after Port (User, keys...)
}

func alias(i int) string { return fmt.Sprintf("lb%d", i) }

// ssh is the floor's command line: the system ssh with the harness's
// ssh_config.
func (s *sshd) ssh(args ...string) []string { return cat([]string{"ssh", "-F", s.cfg}, args...) }

// addAlias adds an ssh alias name that reaches the same sshd through
// port on 127.0.0.1 (a proxy in front of it).
func (s *sshd) addAlias(name string, port int) error {
	add := func(path, text string) error {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := add(s.known, fmt.Sprintf("\n[127.0.0.1]:%d %s", port, s.hostPub)); err != nil {
		return err
	}
	return add(s.cfg, fmt.Sprintf("Host %s\n  HostName 127.0.0.1\n  Port %d\n%s", name, port, s.block))
}

// startSSHD starts sshd for the linger tool lt. It returns nil and a note
// when OpenSSH is not installed.
func (h *harness) startSSHD(lt *tool) (*sshd, string, error) {
	for _, p := range []string{sshdPath, "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Sprintf("%s not found (apt-get install openssh-server openssh-client): no ssh figures", p), nil
		}
	}
	me, err := user.Current()
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(h.dir, "sshd")
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		return nil, "", err
	}
	// sshd checks its privilege separation directory at start.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		return nil, "", err
	}
	for _, k := range []string{"host_key", "client_key"} {
		if _, _, err := runCmd(h.pt, []string{"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", filepath.Join(dir, k)}, lt.env, dir, 30*time.Second); err != nil {
			return nil, "", err
		}
	}
	// `linger` on the login's PATH is the binary under test.
	if err := os.Symlink(lt.bin, filepath.Join(bin, "linger")); err != nil {
		return nil, "", err
	}
	write := func(name, text string) (string, error) {
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, []byte(text), 0o600)
	}
	pub, err := os.ReadFile(filepath.Join(dir, "client_key.pub"))
	if err != nil {
		return nil, "", err
	}
	if _, err := write("authorized_keys", string(pub)); err != nil {
		return nil, "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	// The login's environment: the linger tool's, so dial-stdio reaches
	// the server the harness's local commands use.
	setenv := []string{"LINGER_SOCKET=" + filepath.Join(lt.dir, "s.sock")}
	for _, kv := range lt.env {
		switch k, v, _ := strings.Cut(kv, "="); {
		case k == "PATH":
			setenv = append(setenv, "PATH="+bin+":"+v)
		case k == "HOME", k == "LANG", strings.HasPrefix(k, "XDG_"):
			setenv = append(setenv, kv)
		}
	}
	conf, err := write("sshd_config", fmt.Sprintf(`ListenAddress 127.0.0.1
Port %d
HostKey %s
PidFile none
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers %s
SetEnv %s
LogLevel ERROR
`, port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), me.Username, strings.Join(setenv, " ")))
	if err != nil {
		return nil, "", err
	}
	logf, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		return nil, "", err
	}
	defer logf.Close()
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := h.pt.start(cmd); err != nil {
		return nil, "", fmt.Errorf("starting sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { h.pt.wait(cmd); close(exited) }()
	sshdLog := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
		return firstLine(string(b))
	}
	up := poll(10*time.Second, 20*time.Millisecond, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	select {
	case <-exited:
		return nil, "", fmt.Errorf("sshd exited: %s", sshdLog())
	default:
	}
	if !up {
		return nil, "", fmt.Errorf("sshd does not listen on port %d: %s", port, sshdLog())
	}
	hostPub, err := os.ReadFile(filepath.Join(dir, "host_key.pub"))
	if err != nil {
		return nil, "", err
	}
	known, err := write("known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s", port, hostPub))
	if err != nil {
		return nil, "", err
	}
	var aliases []string
	for i := 1; i <= sshAliasN; i++ {
		aliases = append(aliases, alias(i))
	}
	block := fmt.Sprintf(`  User %s
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ControlMaster no
  ControlPath none
  LogLevel ERROR
`, me.Username, filepath.Join(dir, "client_key"), known)
	cfg, err := write("ssh_config", fmt.Sprintf("Host %s\n  HostName 127.0.0.1\n  Port %d\n", strings.Join(aliases, " "), port)+block)
	if err != nil {
		return nil, "", err
	}
	wrapper := filepath.Join(dir, "ssh")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec ssh -F "+cfg+" \"$@\"\n"), 0o700); err != nil {
		return nil, "", err
	}
	s := &sshd{cfg: cfg, env: append(cat(lt.env), "LINGER_SSH="+wrapper), port: port, hostPub: hostPub, known: known, block: block}
	_, out, err := runCmd(h.pt, s.ssh(alias(1), "command -v linger"), lt.env, lt.dir, 30*time.Second)
	if err != nil {
		return nil, "", fmt.Errorf("a login through the harness's sshd failed: %v (sshd: %s)", err, sshdLog())
	}
	if got := strings.TrimSpace(string(out)); got != filepath.Join(bin, "linger") {
		return nil, "", fmt.Errorf("linger on the ssh login's PATH is %q, not the binary under test", got)
	}
	return s, "", nil
}

// testSSH measures the selected ssh figures against one sshd.
func (h *harness) testSSH() error {
	r := &sshRes{}
	h.res.ssh = r
	lt := h.tool("linger")
	if lt == nil {
		r.note = "linger is not among the tools of this run: no ssh figures"
		h.logf("ssh: %s", r.note)
		return nil
	}
	s, note, err := h.startSSHD(lt)
	if err != nil {
		// not fatal: the other figures of the run are still reported
		note = "the harness's sshd did not work (" + err.Error() + "): no ssh figures"
	}
	if s == nil || err != nil {
		r.note = note
		h.logf("ssh: %s", note)
		return nil
	}
	h.logf("ssh: sshd on 127.0.0.1, aliases %s ... %s", alias(1), alias(sshAliasN))
	if h.selected("ssh-throughput") {
		if err := h.sshThroughput(s, lt, r); err != nil {
			r.tpLinger.err = err.Error()
			h.logf("ssh-throughput: %v", err)
		}
	}
	if h.selected("ssh-echo") {
		if err := h.sshEcho(s, lt, r); err != nil {
			r.echoLinger.err = err.Error()
			h.logf("ssh-echo: %v", err)
		}
	}
	if h.selected("ssh-ls") || h.selected("ssh-hosts") {
		// a few sessions to list
		for i := 1; i <= 3; i++ {
			if _, err := h.create(lt, fmt.Sprintf("sl%04d", i), []string{"sleep", "100000"}); err != nil {
				return err
			}
		}
		if err := h.waitListed(lt, "sl0003"); err != nil {
			return err
		}
	}
	if h.selected("ssh-ls") {
		h.sshLs(s, lt, r)
	}
	if h.selected("ssh-hosts") {
		h.sshHosts(s, lt, r)
	}
	// issue 18's figures (resume.go)
	x := &resumeRes{}
	h.res.resume = x
	if h.selected("ssh-resume") {
		if err := h.sshResume(s, lt, x); err != nil {
			x.resumeErr = err.Error()
			h.logf("ssh-resume: %v", err)
		}
	}
	if h.selected("ssh-heartbeat") {
		if err := h.sshHeartbeat(s, lt, x); err != nil {
			x.hbOn.err = err.Error()
			h.logf("ssh-heartbeat: %v", err)
		}
	}
	if h.selected("ssh-idle") {
		if err := h.sshIdle(s, lt, x); err != nil {
			x.idleErr = err.Error()
			h.logf("ssh-idle: %v", err)
		}
	}
	return nil
}

func hostURL(i int) string { return "ssh://" + alias(i) }

// sshWorkload makes the throughput workload (-mb MB of mixed lines) and
// returns its size and that of the untimed warm-up, both at a line's end.
func (h *harness) sshWorkload() (size, warm int64, err error) {
	if err := h.ensureMixed(int64(h.o.mb) * mb); err != nil {
		return 0, 0, err
	}
	if size, err = h.lineEnd(int64(h.o.mb) * mb); err != nil {
		return 0, 0, err
	}
	warm, err = h.lineEnd(min(size, 4*mb))
	return size, warm, err
}

// sshThroughput: a session's shell prints the workload while its client
// is attached through -H, beside the same command typed into `ssh ALIAS
// /bin/sh` (the bytes pass through ssh alone), rounds alternating.
func (h *harness) sshThroughput(s *sshd, lt *tool, r *sshRes) error {
	size, warm, err := h.sshWorkload()
	if err != nil {
		return err
	}
	r.tpBytes = size
	if _, err := h.create(lt, "sp0001", []string{"/bin/sh", "-i"}); err != nil {
		return err
	}
	if err := h.waitListed(lt, "sp0001"); err != nil {
		return err
	}
	lo, err := startOuter(h.pt, []string{lt.bin, "-H", hostURL(1), "attach", "sp0001"}, s.env, lt.dir, true, nil)
	if err != nil {
		return err
	}
	defer release(lt, lo)
	if err := h.shellReady(lo, "linger -H"); err != nil {
		return err
	}
	so, err := startOuter(h.pt, s.ssh("-T", alias(1), "/bin/sh"), lt.env, lt.dir, true, nil)
	if err != nil {
		return err
	}
	defer so.close()
	if err := h.shellReady(so, "ssh"); err != nil {
		r.tpSSH.err = err.Error()
		return nil
	}
	outs := []*outer{lo, so}
	res := []*tpRes{&r.tpLinger, &r.tpSSH}
	label := []string{"linger -H", "ssh"}
	cpu := []map[string]float64{{}, {}}
	r.tpCPULinger, r.tpCPUSSH = cpu[0], cpu[1]
	for k, o := range outs {
		if _, _, err := h.printRun(o, warm); err != nil {
			res[k].err = "warm-up: " + err.Error()
		}
	}
	for rep := 0; rep < h.o.reps; rep++ {
		for _, k := range rotate([]int{0, 1}, rep) {
			x := res[k]
			if x.err != "" {
				continue
			}
			c0 := cpuByProcess()
			d, out, err := h.printRun(outs[k], size)
			for n, v := range cpuByProcess() {
				if dv := v - c0[n]; dv > 0 && n != "" {
					cpu[k][n] += dv
				}
			}
			if err == nil && out < size {
				err = fmt.Errorf("only %d of the %d bytes printed reached the terminal", out, size)
			}
			if err != nil {
				x.err = err.Error()
				continue
			}
			x.secs = append(x.secs, d.Seconds())
			x.mbps = append(x.mbps, float64(size)/mb/d.Seconds())
			x.outMB = append(x.outMB, float64(out)/mb)
			h.logf("ssh-throughput %-9s round %d: %6.1f MB/s, %.1f MB reached the terminal", label[k], rep+1, float64(size)/mb/d.Seconds(), float64(out)/mb)
		}
	}
	return nil
}

// sshEcho: the echo helper in a session attached through -H, beside the
// same helper run by `ssh -t ALIAS` (a pty on the far side, like `ssh -t
// ALIAS cat`), keystrokes interleaved.
func (h *harness) sshEcho(s *sshd, lt *tool, r *sshRes) error {
	ready := func(t *vt.Terminal) bool { return rowText(t, 2) == echoReady }
	argv := []string{h.self, helperArg, "echo"}
	if _, err := h.create(lt, "se0001", argv); err != nil {
		return err
	}
	if err := h.waitListed(lt, "se0001"); err != nil {
		return err
	}
	lo, err := startOuter(h.pt, []string{lt.bin, "-H", hostURL(1), "attach", "se0001"}, s.env, lt.dir, true, ready)
	if err != nil {
		return err
	}
	defer release(lt, lo)
	so, err := startOuter(h.pt, s.ssh(append([]string{"-t", alias(1)}, argv...)...), lt.env, lt.dir, true, ready)
	if err != nil {
		return err
	}
	defer so.close()
	if _, err := lo.wait(15 * time.Second); err != nil {
		return err
	}
	if _, err := so.wait(15 * time.Second); err != nil {
		r.echoSSH.err = err.Error()
		return nil
	}
	lo.waitQuiet(100*time.Millisecond, 5*time.Second, time.Time{})
	so.waitQuiet(100*time.Millisecond, 5*time.Second, time.Time{})
	settle(3 * time.Second)
	echoKeys(h.o.echoN, []*outer{lo, so}, []*echoRes{&r.echoLinger, &r.echoSSH})
	h.logf("ssh-echo linger -H p50 %.0f µs, p99 %.0f µs; ssh -t p50 %.0f µs, p99 %.0f µs",
		percentile(r.echoLinger.us, 50), percentile(r.echoLinger.us, 99), percentile(r.echoSSH.us, 50), percentile(r.echoSSH.us, 99))
	return nil
}

// cpuMs is the CPU time, in ms, used so far by the harness's waited-for
// children and by every process still below it (with what each of those
// has reaped): a delta around a command is what the command cost all
// processes, sshd's included.
func cpuMs() float64 {
	near, far := cpuSplit()
	return near + far
}

// cpuSplit is cpuMs in two: near = the commands the harness ran and
// waited for (linger and the ssh clients it ran: what one machine pays
// however far the hosts are), far = the processes still running below
// the harness (sshd and what it reaped, the server: on real hosts, their
// machines' share).
func cpuSplit() (near, far float64) {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_CHILDREN, &ru)
	near = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
	var ticks int64
	for _, p := range descendants(os.Getpid()) {
		ticks += cpuTicks(p.pid) + childTicks(p.pid)
	}
	return near, float64(ticks) * 1000 / 100 // USER_HZ is 100 on Linux
}

// childTicks is the CPU time (clock ticks) of the children pid has reaped.
func childTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	end := strings.LastIndexByte(string(b), ')')
	if end < 0 {
		return 0
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return 0
	}
	var u, s int64
	fmt.Sscan(f[13], &u)
	fmt.Sscan(f[14], &s)
	return u + s
}

// sshLs: `linger -H ssh://lb1 ls` beside its floor, `ssh lb1 true` plus a
// local `linger ls`, the three alternating.
func (h *harness) sshLs(s *sshd, lt *tool, r *sshRes) {
	cmds := []struct {
		argv []string
		env  []string
		dst  *[]float64
		cpu  *[]float64
	}{
		{cat([]string{lt.bin, "-H", hostURL(1)}, "ls"), s.env, &r.ls, &r.lsCPU},
		{s.ssh(alias(1), "true"), lt.env, &r.sshTrue, &r.sshTrueCPU},
		{lt.listArgs, lt.env, &r.localLs, nil},
	}
	// one untimed round: page cache, the first login's costs
	for k, c := range cmds {
		_, out, err := runCmd(h.pt, c.argv, c.env, lt.dir, 30*time.Second)
		if err == nil && k == 0 && !shows(out, "sl0001") {
			err = fmt.Errorf("linger -H %s ls does not name the session sl0001: %q", hostURL(1), firstLine(string(out)))
		}
		if err != nil {
			r.lsErr = err.Error()
			h.logf("ssh-ls: %v", err)
			return
		}
	}
	idx := []int{0, 1, 2}
	for i := 0; i < h.o.sshReps; i++ {
		for _, k := range rotate(idx, i) {
			c := cmds[k]
			c0 := cpuMs()
			d, _, err := runCmd(h.pt, c.argv, c.env, lt.dir, 30*time.Second)
			if err != nil {
				r.lsErr = err.Error()
				return
			}
			if c.cpu != nil {
				*c.cpu = append(*c.cpu, cpuMs()-c0)
			}
			*c.dst = append(*c.dst, ms(d))
		}
	}
	h.logf("ssh-ls: linger -H ls %.1f ms; ssh true %.1f ms + local ls %.1f ms", median(r.ls), median(r.sshTrue), median(r.localLs))
}

// sshHosts: `linger -H lb1 ... -H lb8 ls` beside `linger -H lb1 ls`,
// alternating, when this build takes several -H (probed with two).
func (h *harness) sshHosts(s *sshd, lt *tool, r *sshRes) {
	if why := h.fanoutSupport(s, lt); why != "" {
		r.hostsNote = "not supported by this build (" + why + ")"
		h.logf("ssh-hosts: %s", r.hostsNote)
		return
	}
	var many []string
	for i := 1; i <= sshAliasN; i++ {
		many = append(many, "-H", hostURL(i))
	}
	// The third command is the logins alone: sshAliasN plain `ssh lbN
	// true` at once. Both ends of every login share this machine's cores,
	// so this, not one host, is what bounds the fan-out here.
	var par strings.Builder
	for i := 1; i <= sshAliasN; i++ {
		fmt.Fprintf(&par, "%s & ", strings.Join(s.ssh(alias(i), "true"), " "))
	}
	par.WriteString("wait")
	cmds := [][]string{{lt.bin, "-H", hostURL(1), "ls"}, cat(append([]string{lt.bin}, many...), "ls"), {"/bin/sh", "-c", par.String()}}
	var cpuPar, nearPar []float64
	dst := []*[]float64{&r.hostsOne, &r.hostsN, &r.sshTrueN}
	cpu := []*[]float64{&r.cpuOne, &r.cpuN, &cpuPar}
	near := []*[]float64{&r.nearOne, &r.nearN, &nearPar}
	for i := 0; i < h.o.sshReps; i++ {
		for _, k := range rotate([]int{0, 1, 2}, i) {
			n0, f0 := cpuSplit()
			d, out, err := runCmd(h.pt, cmds[k], s.env, lt.dir, 60*time.Second)
			if err == nil && k == 1 && strings.Count(string(out), "sl0001") != sshAliasN {
				err = fmt.Errorf("ls across %d hosts named sl0001 %d times: %q", sshAliasN, strings.Count(string(out), "sl0001"), firstLine(string(out)))
			}
			if err != nil {
				r.hostsErr = err.Error()
				h.logf("ssh-hosts: %v", err)
				return
			}
			n1, f1 := cpuSplit()
			*cpu[k] = append(*cpu[k], n1+f1-n0-f0)
			*near[k] = append(*near[k], n1-n0)
			*dst[k] = append(*dst[k], ms(d))
		}
	}
	h.logf("ssh-hosts: ls across %d hosts %.1f ms, one host %.1f ms, %d ssh true at once %.1f ms", sshAliasN, median(r.hostsN), median(r.hostsOne), sshAliasN, median(r.sshTrueN))
}

// fanoutSupport says why this build cannot list several hosts at once
// ("" when it can): `ls --json` with two -H must name both in "host".
func (h *harness) fanoutSupport(s *sshd, lt *tool) string {
	_, out, err := runCmd(h.pt, []string{lt.bin, "-H", hostURL(1), "-H", hostURL(2), "ls", "--json"}, s.env, lt.dir, 60*time.Second)
	if err != nil {
		return err.Error()
	}
	var list []map[string]any
	if err := json.Unmarshal(out, &list); err != nil {
		return fmt.Sprintf("ls --json with two -H printed no JSON array: %v", err)
	}
	seen := map[string]bool{}
	for _, x := range list {
		if v, ok := x["host"].(string); ok {
			seen[v] = true
		}
	}
	if !seen[hostURL(1)] || !seen[hostURL(2)] {
		return "ls --json with two -H did not list both hosts"
	}
	return ""
}

// sectionSSH reports the ssh figures, each beside its floor and issue
// 17's target.
func (r *results) sectionSSH(m *md) {
	x := r.ssh
	if x == nil {
		return
	}
	m.p("## 7. Over ssh to 127.0.0.1 (`linger -H ssh://...`)")
	m.p("")
	if x.note != "" {
		m.p("Not measured: %s.", x.note)
		m.p("")
		return
	}
	m.p("The harness runs its own sshd on 127.0.0.1 (keys made in the run directory; an ssh_config whose aliases %s ... %s all reach it; the login's PATH starts with the linger under test and its socket is the linger tool's).", alias(1), alias(sshAliasN))
	m.p("")
	sel := func(t string) bool { return slices.Contains(o(r).tests, t) }
	if !slices.ContainsFunc(sshTests[:4], sel) {
		r.sectionResume(m)
		return
	}
	m.p("Each figure is measured beside its floor, a plain ssh command doing the same work, in the same rounds.")
	m.p("")
	m.head("figure", "linger -H", "floor", "<floor is", "ratio", "target", "<notes")
	if sel("ssh-throughput") {
		l, s := &x.tpLinger, &x.tpSSH
		reached := func(t *tpRes) string {
			if len(t.outMB) == 0 {
				return ""
			}
			return fmt.Sprintf("%s MB reached the terminal", num(median(t.outMB)))
		}
		notes := strings.Join(nonEmpty(errCell(l.err), errCell(s.err), "linger: "+reached(l), "ssh: "+reached(s)), "; ")
		m.row(fmt.Sprintf("attached throughput, %.0f MB, MB/s", float64(x.tpBytes)/mb), spread(l.mbps), spread(s.mbps),
			"`head -c` typed into `ssh ALIAS /bin/sh`", ratio(median(l.mbps), median(s.mbps)), "≥ 0.9×", notes)
	}
	if sel("ssh-echo") {
		l, s := &x.echoLinger, &x.echoSSH
		p := func(e *echoRes) string {
			return num(percentile(e.us, 50)) + " / " + num(percentile(e.us, 99))
		}
		m.row("keystroke echo p50 / p99, µs", p(l), p(s), "the same program under `ssh -t ALIAS`",
			ratio(percentile(l.us, 50), percentile(s.us, 50))+" / "+ratio(percentile(l.us, 99), percentile(s.us, 99)), "≤ 1.2×",
			strings.Join(nonEmpty(errCell(l.err), errCell(s.err), fmt.Sprintf("%d keystrokes; timeouts %d / %d", o(r).echoN, l.timeouts, s.timeouts)), "; "))
	}
	if sel("ssh-ls") {
		floor := median(x.sshTrue) + median(x.localLs)
		m.row("`ls` of one host, ms", spread(x.ls), fmt.Sprintf("%s + %s", num(median(x.sshTrue)), num(median(x.localLs))),
			"`ssh ALIAS true` + a local `linger ls`", ratio(median(x.ls), floor), "≤ 1.2×",
			strings.Join(nonEmpty(errCell(x.lsErr), fmt.Sprintf("%d rounds; CPU of all processes per `linger -H ls`: %s ms, per `ssh ALIAS true`: %s ms", len(x.ls), num(median(x.lsCPU)), num(median(x.sshTrueCPU)))), "; "))
	}
	if sel("ssh-hosts") {
		if x.hostsNote != "" {
			m.row(fmt.Sprintf("`ls` across %d hosts, ms", sshAliasN), x.hostsNote, "—", "`ls` of one host", "—", "≤ 1.5×", "")
		} else {
			m.row(fmt.Sprintf("`ls` across %d hosts, ms", sshAliasN), spread(x.hostsN), spread(x.hostsOne), "`ls` of one host",
				ratio(median(x.hostsN), median(x.hostsOne)), "≤ 1.5×",
				strings.Join(nonEmpty(errCell(x.hostsErr), fmt.Sprintf("%d rounds; CPU of all processes per run: %s ms (%d hosts) / %s ms (one), of which linger and its ssh clients: %s / %s ms; the %d logins alone (`ssh ALIAS true`, all at once): %s ms, so %s of that", len(x.hostsN), num(median(x.cpuN)), sshAliasN, num(median(x.cpuOne)), num(median(x.nearN)), num(median(x.nearOne)), sshAliasN, num(median(x.sshTrueN)), ratio(median(x.hostsN), median(x.sshTrueN)))), "; "))
		}
	}
	m.p("")
	if sel("ssh-throughput") {
		m.p("Where the CPU went in the throughput rounds, ms per MB printed (both ends of the ssh connection are on this machine): linger -H: %s; ssh: %s.",
			cpuPerMB(x.tpCPULinger, x.tpBytes, len(x.tpLinger.mbps)), cpuPerMB(x.tpCPUSSH, x.tpBytes, len(x.tpSSH.mbps)))
		m.p("")
	}
	m.p("CPU of all processes = the harness's waited-for children plus every process below it (sshd and what it reaped, the server), before and after the command: on this machine both ends of every ssh connection share its cores.")
	m.p("")
	r.sectionResume(m)
}

// nonEmpty drops empty strings and labels with nothing after them ("x: ").
func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" && !strings.HasSuffix(v, ": ") {
			out = append(out, v)
		}
	}
	return out
}

// cpuByProcess is the CPU time (ms) the processes below the harness have
// used so far (each with the children it reaped), summed by kind: the
// pieces of the chain between a session's program and the terminal.
// Processes of no such kind are under "".
func cpuByProcess() map[string]float64 {
	out := map[string]float64{}
	for _, p := range descendants(os.Getpid()) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		cmd := strings.Join(args, " ")
		var kind string
		switch base := filepath.Base(args[0]); {
		case base == "ssh":
			kind = "ssh"
		case strings.HasPrefix(base, "sshd"):
			kind = "sshd"
		case base == "sh":
			kind = "shell (head)"
		case strings.Contains(cmd, "dial-stdio"):
			kind = "dial-stdio"
		case strings.Contains(cmd, " attach "):
			kind = "linger client"
		case strings.Contains(cmd, " server"):
			kind = "linger server"
		}
		out[kind] += float64(cpuTicks(p.pid)+childTicks(p.pid)) * 10
	}
	return out
}

// cpuPerMB renders CPU ms by kind of process per MB of n runs of size
// bytes, the largest first.
func cpuPerMB(cpu map[string]float64, size int64, n int) string {
	if n == 0 || len(cpu) == 0 {
		return "—"
	}
	var kinds []string
	total := 0.0
	for k, v := range cpu {
		total += v
		if k != "" {
			kinds = append(kinds, k)
		}
	}
	slices.SortFunc(kinds, func(a, b string) int { return int(cpu[b] - cpu[a]) })
	per := func(v float64) string { return num(v / (float64(size) * float64(n) / mb)) }
	parts := []string{"total " + per(total)}
	for _, k := range kinds {
		parts = append(parts, k+" "+per(cpu[k]))
	}
	return strings.Join(parts, ", ")
}
