//go:build !linger_pprof

package server

import "os"

// profiler is profile.go's, in builds with -tags linger_pprof. Without
// that tag, LINGER_PPROF only gets a line in the log saying how to build a
// server that profiles.
type profiler struct{}

func startProfiler(logf func(string, ...any)) *profiler {
	if dir := os.Getenv("LINGER_PPROF"); dir != "" {
		logf("LINGER_PPROF=%s: not profiling: this linger was built without pprof (go build -tags 'urfave_cli_no_docs linger_pprof')", dir)
	}
	return nil
}

func (*profiler) finish() {}
