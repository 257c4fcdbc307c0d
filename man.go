package main

import "strings"

// manPage renders the man page from the command table.
func manPage() (string, error) {
	app := newApp()
	app.Name = "linger"
	s, err := app.ToMan()
	if err != nil {
		return "", err
	}
	// ToMan leaves the section blank; linger is a user command.
	return strings.Replace(s, `.TH linger 8`, `.TH linger 1`, 1), nil
}
