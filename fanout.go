package main

// Several hosts at once (`linger ls -H web1 -H web2`): ls, kill --all and
// detach --all ask every host in parallel, each bounded by
// --connect-timeout. A host that fails does not stop the others: its
// error is one line on stderr naming the host as the user gave it, the
// others' results are printed, and the command exits 4.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/server"
	"linger/socket"
)

// severalHosts returns the hosts of a command given several -H, or nil
// when it names one host or none (the command goes on as usual).
func severalHosts(c *cli.Context) ([]hostTarget, error) {
	hosts, err := remoteHosts(c)
	if err != nil || len(hosts) < 2 {
		return nil, err
	}
	return hosts, nil
}

// eachHost runs do for every host, in parallel, then says the error of
// each host that failed on stderr, in the order given, and returns
// exitStatus(exitSomeHosts) when any did. ok[i] says whether host i
// answered.
func eachHost(hosts []hostTarget, do func(i int, e client.Endpoint) error) (ok []bool, err error) {
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = do(i, h.endpoint())
		}()
	}
	wg.Wait()
	ok = make([]bool, len(hosts))
	for i, e := range errs {
		ok[i] = e == nil
		if e != nil {
			fmt.Fprintf(os.Stderr, "linger: %s: %s\n", hosts[i].Given, hostMessage(hosts[i], e))
			err = exitStatus(exitSomeHosts)
		}
	}
	return ok, err
}

// hostMessage is err without what would name the host twice.
func hostMessage(h hostTarget, err error) string {
	msg := strings.TrimPrefix(err.Error(), "linger: ")
	return strings.TrimPrefix(msg, h.name()+": ")
}

// requestHosts sends req to every host (kill --all, detach --all).
func requestHosts(hosts []hostTarget, req *socket.Request) error {
	_, err := eachHost(hosts, func(_ int, e client.Endpoint) error {
		r := *req
		_, err := e.Request(&r)
		return err
	})
	return err
}

// listHosts prints one listing of every host's sessions: the table with a
// HOST column first, or one JSON array whose objects have "host" (the -H
// value as given). Each host sends its JSON listing; the rows keep the
// hosts' order and, within one host, that host's.
func listHosts(hosts []hostTarget, req *socket.Request) error {
	lists := make([][]socket.SessionInfo, len(hosts))
	ok, err := eachHost(hosts, func(i int, e client.Endpoint) error {
		r := *req
		r.Format, r.Width = socket.FormatJSON, 0
		var out bytes.Buffer
		if err := e.List(&r, &out); err != nil {
			return err
		}
		if err := json.Unmarshal(out.Bytes(), &lists[i]); err != nil {
			return fmt.Errorf("unreadable listing (%v)", err)
		}
		return nil
	})
	given := make([]string, len(hosts))
	answered := false
	for i, h := range hosts {
		given[i], answered = h.Given, answered || ok[i]
	}
	var b []byte
	switch {
	case req.Format == socket.FormatJSON:
		b = server.AppendHostsJSON(nil, given, lists)
	case answered: // no "no sessions" when no host could say so
		b = server.AppendHostsTable(nil, given, lists, client.Width(os.Stdout), req.Long)
	}
	if _, werr := os.Stdout.Write(b); werr != nil && err == nil {
		return werr
	}
	return err
}
