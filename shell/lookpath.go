package shell

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrNotFound is the cause (see errors.Is) of a Start failure when Argv[0]
// has no '/' and is not found in the PATH of Options.Env.
var ErrNotFound = errors.New("executable file not found in $PATH")

// defaultPath is searched when Options.Env has no PATH.
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// envPath returns the first PATH in env (the one getenv in the child would
// see), or defaultPath.
func envPath(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			return v
		}
	}
	return defaultPath
}

// lookPath resolves file like execvp does, but in the given PATH rather
// than the server's. Relative results are resolved against dir (the
// child's working directory; "" means ours) and returned absolute-or-as-is
// so that the exec after the child's chdir finds the same file.
func lookPath(file, path, dir string) (string, error) {
	if strings.Contains(file, "/") {
		return file, checkExecutable(inDir(dir, file))
	}
	var firstErr error
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "." // POSIX: an empty PATH element is the working directory
		}
		cand := inDir(dir, filepath.Join(d, file))
		err := checkExecutable(cand)
		if err == nil {
			return cand, nil
		}
		// Like the shells: a match that cannot be executed is reported only
		// if nothing later in PATH can be.
		if firstErr == nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENOTDIR) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", ErrNotFound
}

func inDir(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// checkExecutable reports why execve(p) would fail, as a bare errno, or nil.
func checkExecutable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return syscall.EISDIR
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return syscall.EACCES
	}
	return unix.Access(p, unix.X_OK) // root gets X_OK only if some x bit is set
}
