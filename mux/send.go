package mux

// Typing into a session without attaching (`linger send`), and watching
// its output for `linger wait --idle/--until`.

import (
	"bytes"
	"fmt"
	"slices"

	"linger/vt"
)

// Keystrokes is what `linger send` types: Text as it is (wrapped in
// bracketed paste when Paste and the program enabled it), then Keys by
// name (vt.KeyBytes), then Enter (a CR).
type Keystrokes struct {
	Text  []byte
	Keys  []string
	Paste bool
	Enter bool
}

// Bracketed paste's markers; the end marker is removed from pasted text,
// so that the text cannot end the paste early.
const (
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// Send types k into the session's program, attached or not, whoever is
// attached (read-only rules are for attached clients: this is a typist of
// its own). Key names and pasting follow the modes the program set, as
// the session's emulator knows them after the output delivered so far.
// It waits while the program does not read its input (the pty's input
// queue full); the caller bounds that. A Closed session refuses.
func (s *Session) Send(k Keystrokes) error {
	s.mu.Lock()
	ended := s.exitStatus != nil || s.finished
	x := s.x
	s.mu.Unlock()
	if ended {
		return fmt.Errorf("session %s has ended: nothing reads its input", s.Name())
	}
	var modes vt.Modes
	if x != nil {
		x.scr.vmu.Lock()
		s.catchUpLocked(x)
		if x.scr.term != nil {
			modes = x.scr.term.Modes()
		}
		x.scr.vmu.Unlock()
	}
	var in []byte
	if len(k.Text) > 0 {
		if k.Paste && modes.BracketedPaste {
			in = append(in, pasteStart...)
			in = append(in, bytes.ReplaceAll(k.Text, []byte(pasteEnd), nil)...)
			in = append(in, pasteEnd...)
		} else {
			in = append(in, k.Text...)
		}
	}
	for _, name := range k.Keys {
		b, err := vt.KeyBytes(name, modes.AppCursor)
		if err != nil {
			return Invalidf("%v", err)
		}
		in = append(in, b...)
	}
	if k.Enter {
		in = append(in, '\r')
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	s.noteTypedLocked(in) // a line sent without Enter sits at the prompt: runs wait
	s.mu.Unlock()
	if _, err := s.proc.Write(in); err != nil {
		return fmt.Errorf("session %s: typing: %w", s.Name(), err)
	}
	return nil
}

// WatchOutput returns a channel that receives after output is delivered
// (sends coalesce: one value stands for any number of chunks since the
// last receive), and the function that stops the watch. It costs the
// pump a non-blocking send per chunk per watcher.
func (s *Session) WatchOutput() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	x := s.ext()
	x.outWatch = append(x.outWatch, ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		x.outWatch = slices.DeleteFunc(x.outWatch, func(c chan struct{}) bool { return c == ch })
		if len(x.outWatch) == 0 {
			x.outWatch = nil
		}
		s.mu.Unlock()
	}
}

// notifyOutputLocked tells the output watchers a chunk was delivered. mu
// is held.
func (x *sessionExtra) notifyOutputLocked() {
	for _, ch := range x.outWatch {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// ScreenText is the session's screen as `wait --until` matches it (see
// vt.Terminal.ScreenText), after all the output delivered so far.
func (s *Session) ScreenText() string {
	s.mu.Lock()
	x := s.x
	s.mu.Unlock()
	if x == nil {
		return ""
	}
	x.scr.vmu.Lock()
	defer x.scr.vmu.Unlock()
	s.catchUpLocked(x)
	if x.scr.term == nil {
		return ""
	}
	return x.scr.term.ScreenText()
}
