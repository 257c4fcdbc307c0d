package client

import "linger/socket"

// Send types keystrokes into a session's program (OpSend: req's Input,
// Keys, Paste, Enter), attached or not. It returns once the server has
// written them to the program's terminal: nothing waits for the program.
func (e Endpoint) Send(req *socket.Request) error {
	_, err := e.Request(req)
	return err
}
