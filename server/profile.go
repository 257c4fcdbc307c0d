//go:build linger_pprof

package server

// Profiling a running server, for the performance work of bench/ and for
// bug reports, in a build with -tags linger_pprof (profile_off.go is the
// other: runtime/pprof and its compression add 0.4 MB to every process,
// 0.4 KiB per session of a server holding 1000). With LINGER_PPROF=DIR in
// its environment (a daemon started on demand inherits the client's), the
// server writes pprof profiles into
// DIR: a CPU profile from start, and on each SIGUSR2 and at exit a
// snapshot numbered N: cpu-N.pprof (the CPU profile since the previous
// snapshot; a new one starts), heap-N.pprof, allocs-N.pprof,
// goroutine-N.pprof and threadcreate-N.pprof. Sending SIGUSR2 before and
// after a workload thus profiles exactly that workload:
//
//	LINGER_PPROF=/tmp/prof linger new -d x -- sleep 1d
//	kill -USR2 $(pgrep -f 'linger.*server')   # snapshot 1: start-up
//	... workload ...
//	kill -USR2 $(pgrep -f 'linger.*server')   # snapshot 2: the workload
//	go tool pprof -top linger /tmp/prof/cpu-2.pprof
//
// Without the variable nothing here runs and SIGUSR2 keeps its default.

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"
)

// profiler writes the snapshots; nil when LINGER_PPROF is unset.
type profiler struct {
	dir  string
	logf func(string, ...any)
	mu   sync.Mutex
	n    int
	cpu  *os.File
}

// startProfiler starts profiling if LINGER_PPROF names a directory.
func startProfiler(logf func(string, ...any)) *profiler {
	dir := os.Getenv("LINGER_PPROF")
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		logf("LINGER_PPROF: %v: not profiling", err)
		return nil
	}
	p := &profiler{dir: dir, logf: logf, n: 1}
	p.startCPU()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR2)
	go func() {
		for range sig {
			p.snapshot()
		}
	}()
	logf("LINGER_PPROF: profiling into %s (SIGUSR2 writes a snapshot)", dir)
	return p
}

func (p *profiler) startCPU() {
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("cpu-%d.pprof", p.n)))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		p.logf("LINGER_PPROF: cpu profile: %v", err)
		if f != nil {
			f.Close()
		}
		return
	}
	p.cpu = f
}

// snapshot ends the current CPU profile, writes the others with the same
// number, and starts the next CPU profile.
func (p *profiler) snapshot() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write()
	p.n++
	p.startCPU()
}

// finish writes the last snapshot at exit.
func (p *profiler) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write()
}

func (p *profiler) write() {
	if p.cpu != nil {
		pprof.StopCPUProfile()
		p.cpu.Close()
		p.cpu = nil
	}
	for _, name := range []string{"heap", "allocs", "goroutine", "threadcreate"} {
		path := filepath.Join(p.dir, fmt.Sprintf("%s-%d.pprof", name, p.n))
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup(name).WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			p.logf("LINGER_PPROF: %s: %v", path, err)
		}
	}
	p.logf("LINGER_PPROF: wrote snapshot %d into %s", p.n, p.dir)
}
