package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"linger/config"
	"linger/socket"
)

// loaded is a configuration the server has read, with what it knew of its
// file then. It does not change: a reload makes a new one.
type loaded struct {
	cfg       *config.Config
	path      string // the file asked for (absolute); cfg.Path is "" when it did not exist
	mustExist bool   // the user named it: its absence is an error
	modTime   time.Time
	size      int64
	at        time.Time
}

// loadConfig reads the configuration file path. The file is looked at
// before it is read, so a change while reading leaves an older
// modification time: `config list` then says it changed, rather than
// missing a change.
func loadConfig(path string, mustExist bool) (*loaded, error) {
	if path != "" {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	l := &loaded{path: path, mustExist: mustExist, at: time.Now()}
	fi, statErr := os.Stat(path)
	cfg, err := config.Load(path, mustExist)
	if err != nil {
		return nil, err
	}
	l.cfg = cfg
	if statErr == nil && cfg.Path != "" {
		l.modTime, l.size = fi.ModTime(), fi.Size()
	}
	return l, nil
}

// config is the configuration new sessions and attaches use now.
func (s *Server) config() *config.Config { return s.loaded.Load().cfg }

// reload reads the configuration file again (path: another file from now
// on; "" = the one loaded) and makes it the server's: new sessions use its
// configurations, running ones keep theirs. A file with problems is
// refused and the old configuration stays. Reloads are one at a time.
func (s *Server) reload(path, why string) (*loaded, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.loaded.Load()
	mustExist := old.mustExist
	if path == "" {
		path = old.path
	} else if path != old.path {
		mustExist = true // named by the user
	}
	l, err := loadConfig(path, mustExist)
	if err != nil {
		s.log.Printf("%s: configuration %s refused, keeping %s: %v", why, path, configName(old.cfg), err)
		var ce *config.Error
		if errors.As(err, &ce) && len(ce.Problems) > 1 {
			for _, p := range ce.Problems[1:] {
				s.log.Printf("  %s", p)
			}
		}
		return old, err
	}
	if s.opts.ExitWhenEmpty != nil {
		l.cfg.Server.ExitWhenEmpty = *s.opts.ExitWhenEmpty // the command line's, over any file's
	}
	s.loaded.Store(l)
	s.reg.SetConfig(l.cfg)
	s.events.setLimit(l.cfg.Server.EventHistory)
	n := len(s.reg.Sessions())
	keep := "sessions keep the configurations they"
	if n == 1 {
		keep = "session keeps the configuration it"
	}
	s.log.Printf("%s: configuration reloaded from %s (%s); new sessions use it, %d running %s started with",
		why, configName(l.cfg), strings.Join(l.cfg.Names(), ", "), n, keep)
	return l, nil
}

// handleReload is `linger server reload`.
func (s *Server) handleReload(c *socket.Conn, req *socket.Request) {
	l, err := s.reload(req.ConfigPath, "linger server reload")
	info := configInfo(l)
	info.Sessions = len(s.reg.Sessions())
	if err != nil {
		rep := errorReply(err)
		rep.Config = info
		var ce *config.Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				rep.Problems = append(rep.Problems, p.String())
			}
		}
		s.reply(c, rep)
		return
	}
	s.reply(c, socket.Reply{Config: info})
}

// handleConfig says what configuration the server has loaded (`linger
// config list`, and clients checking their -c against it) and, asked to
// show one, that configuration as TOML (`linger config show` on another
// host, whose files the client cannot read).
func (s *Server) handleConfig(c *socket.Conn, req *socket.Request) {
	l := s.loaded.Load()
	info := configInfo(l)
	info.Sessions = len(s.reg.Sessions())
	if req.Show {
		conf, err := l.cfg.Shared(req.Configuration)
		if err != nil {
			s.replyErr(c, err)
			return
		}
		info.Shown = conf.TOML()
	}
	s.reply(c, socket.Reply{Config: info})
}

// configInfo is the wire form of a loaded configuration.
func configInfo(l *loaded) *socket.ConfigInfo {
	info := &socket.ConfigInfo{
		Path: l.cfg.Path, Size: l.size, LoadedAt: l.at,
		DefaultConfiguration: l.cfg.Server.DefaultConfiguration,
		DetachKey:            l.cfg.Server.DetachKey,
		ExitWhenEmpty:        l.cfg.Server.ExitWhenEmpty,
		Configurations:       ConfigurationInfos(l.cfg),
	}
	if info.DetachKey == "" {
		info.DetachKey = config.KeyName(config.DefaultDetachKey)
	}
	if !l.modTime.IsZero() {
		info.ModTime = ptr(l.modTime)
	}
	return info
}

// ConfigurationInfos lists cfg's configurations, by name, in the form of
// `linger config list --json` (which uses it without a server too).
func ConfigurationInfos(cfg *config.Config) []socket.ConfigurationInfo {
	out := make([]socket.ConfigurationInfo, 0, len(cfg.Configurations))
	for _, name := range cfg.Names() {
		c := cfg.Configurations[name]
		ci := socket.ConfigurationInfo{
			Name: name, Default: name == cfg.Server.DefaultConfiguration,
			Command: c.Command, Cwd: c.Cwd, Env: c.Env,
			OutputBuffering: c.OutputBuffering, BufferSize: c.BufferSize, LogFile: c.LogFile,
			IdleTimeoutSeconds:    int64(c.IdleTimeout / time.Second),
			MaxIdleTimeoutSeconds: int64(c.MaxIdleTimeout / time.Second),
			Restore:               c.Restore, ScrollbackLines: c.ScrollbackLines,
		}
		if ci.Command == nil {
			ci.Command = []string{}
		}
		if ci.Env == nil {
			ci.Env = map[string]string{}
		}
		out = append(out, ci)
	}
	return out
}
