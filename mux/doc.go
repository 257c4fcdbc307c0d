// Package mux owns linger's sessions: the registry that names and numbers
// them, their State and Availability, who is attached, where their output
// goes. Sessions are made from the configurations of package config.
//
// A session is a shell.Process plus the clients attached to it. One
// goroutine per session (Session.pump) reads the pty and hands each chunk to
// the attached clients, in Session.deliver: that is the one place every
// byte of output passes through. It keeps each chunk in the session's
// output buffer (buffer.go) for whoever comes back, and the screen
// emulator reads it from there, off the clients' path (screen.go); an
// attach draws from that emulator (attach.go).
//
// What happens to sessions (created, attached, exited, removed...) is
// reported to the server through Registry.Events (events.go).
//
// Exit is two events, in either order: the reaper reports the process's
// status (Session.processExited) and the pump sees the end of the output
// (Session.outputEnded); Session.finish runs when both have happened.
//
// # What mux must not do
//
// It never touches a real terminal and never speaks the wire protocol:
// clients are reached through the Client interface, which package server
// implements over a socket. It does not import package socket.
package mux
