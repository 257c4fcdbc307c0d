//go:build !urfave_cli_no_docs

package main

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

//go:generate go test -run TestManPage -update-man .

var updateMan = flag.Bool("update-man", false, "rewrite man/linger.1 from the command table")

// TestManPage fails when man/linger.1 is not what the command table
// generates (run 'go generate' to refresh it).
func TestManPage(t *testing.T) {
	got, err := manPage()
	if err != nil {
		t.Fatal(err)
	}
	if *updateMan {
		if err := os.WriteFile("man/linger.1", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("man/linger.1")
	if err != nil {
		t.Fatalf("%v (run 'go generate')", err)
	}
	if string(want) != got {
		t.Fatal("man/linger.1 is stale: run 'go generate' and commit it")
	}
	for _, c := range commands() {
		if !c.Hidden && !strings.Contains(got, c.Name) {
			t.Errorf("command %s missing from the man page", c.Name)
		}
	}
}

// TestCommandTableSorted keeps the command table alphabetical.
func TestCommandTableSorted(t *testing.T) {
	cmds := commands()
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.Name
	}
	if !sort.StringsAreSorted(names) {
		t.Fatalf("commands not in alphabetical order: %v", names)
	}
}

// envRead finds the environment variables the code reads.
var envRead = regexp.MustCompile(`(?:Getenv|LookupEnv|env\.get)\("([A-Z_]+)"\)|EnvVars:\s*\[\]string\{"([A-Z_]+)"`)

// TestManPageEnvironment: the man page's ENVIRONMENT lists every variable
// linger reads (found in the source), and its SYNOPSIS is the usage line.
func TestManPageEnvironment(t *testing.T) {
	page, err := manPage()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, ".SH SYNOPSIS\nlinger [global options] COMMAND [command options] [arguments...]\n") {
		t.Errorf("SYNOPSIS is not the usage line:\n%s", page[:strings.Index(page, ".SH DESCRIPTION")])
	}
	_, section, ok := strings.Cut(page, ".SH ENVIRONMENT\n")
	if !ok {
		t.Fatal("no ENVIRONMENT section")
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if names, ok := strings.CutPrefix(line, ".B "); ok {
			for _, n := range strings.Split(names, ", ") {
				listed[n] = true
			}
		}
	}
	read := map[string]bool{"HOME": true} // os.UserHomeDir
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "bench" || path == "testdata" || strings.HasSuffix(path, "/testdata")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range envRead.FindAllStringSubmatch(string(src), -1) {
			read[m[1]+m[2]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range read {
		if !listed[name] {
			t.Errorf("the code reads $%s but the man page's ENVIRONMENT does not list it", name)
		}
	}
	if len(read) < 10 {
		t.Errorf("found only %d variables read in the source: is envRead still right? %v", len(read), read)
	}
}
