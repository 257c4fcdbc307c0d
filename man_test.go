//go:build !urfave_cli_no_docs

package main

import (
	"flag"
	"os"
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
