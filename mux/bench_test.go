package mux

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"linger/config"
)

// BenchmarkIdleSessionHeap reports the heap an idle session costs (its
// Session, process, pty file and registry entries; not the goroutine stack)
// over 300 real `sleep` sessions. Compare across commits; it asserts nothing.
func BenchmarkIdleSessionHeap(b *testing.B) {
	const n = 300
	for i := 0; i < b.N; i++ {
		r := NewRegistry(config.Default(), "/tmp/bench.sock", nil)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		for j := 0; j < n; j++ {
			if _, err := r.New(NewOptions{Command: []string{"sleep", "1000"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"}); err != nil {
				b.Fatal(err)
			}
		}
		// let every pump start and park in the poller
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() < g0+n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heapB/session")
		b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stackB/session")
		r.Shutdown()
	}
}

// BenchmarkOutbufAdd measures keeping output while nobody is attached.
func BenchmarkOutbufAdd(b *testing.B) {
	chunk := bytes.Repeat([]byte("x"), 4096)
	b.SetBytes(int64(len(chunk)))
	var buf outbuf
	for i := 0; i < b.N; i++ {
		buf.add(chunk, 8<<20, true)
	}
}
