package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeInstall runs the README's Install commands as written, in a
// fresh HOME and GOPATH with no linger on PATH, then `linger version` from
// PATH: a newcomer following them gets a working linger and its man page.
func TestReadmeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and installs linger (-short)")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)\n## Install\n.*?```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ## Install section with a sh block")
	}
	script := string(m[1])
	if !strings.Contains(script, "go install") || !strings.Contains(script, "linger version") {
		t.Fatalf("the Install block no longer installs and runs linger:\n%s", script)
	}
	home := t.TempDir()
	gopath := filepath.Join(home, "go")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	// The module and build caches are shared with this test's go, so the
	// install downloads nothing; everything else is the newcomer's.
	cache := func(v string) string {
		out, err := exec.Command(goBin, "env", v).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", v, err)
		}
		return strings.TrimSpace(string(out))
	}
	c := exec.Command("bash", "-e", "-c", script)
	c.Env = []string{
		"HOME=" + home, "GOPATH=" + gopath,
		"GOMODCACHE=" + cache("GOMODCACHE"), "GOCACHE=" + cache("GOCACHE"),
		"PATH=" + filepath.Dir(goBin) + ":/usr/bin:/bin", "XDG_RUNTIME_DIR=" + home,
	}
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Install commands failed: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^linger \S+ \(protocol \d+, go`).Match(out) {
		t.Errorf("`linger version` from PATH did not answer:\n%s", out)
	}
	for _, f := range []string{filepath.Join(gopath, "bin", "linger"), filepath.Join(home, ".local/share/man/man1/linger.1")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after the Install commands: %v", err)
		}
	}
}
