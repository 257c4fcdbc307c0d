// Package config owns linger's configuration file: the TOML schema with
// its defaults (config.go, schema.go), validation that reports every
// problem with its line (validate.go, lines.go), the host entries that -H
// names (hosts.go), and the parsers and
// formatters of the values a file or a flag may hold: sizes, durations,
// detach keys, restore modes, command lines (values.go, keys.go,
// restore.go, command.go).
//
// A Config does not change once loaded; sessions share its
// Configurations read only.
//
// # What config must not do
//
// It knows nothing of sessions, sockets or terminals: of linger's packages
// it imports only transport (to check host entries' URLs as -H does, and
// turn an entry into a transport.Host), so the client, the server and the
// session registry can all use it. It never starts a process or opens anything but the file it
// is asked to load.
package config
