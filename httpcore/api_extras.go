package httpcore

// Small parts of Node's http API that are aliases, constants or one-line
// getters over state the other files keep.

import "github.com/simhttp/simhttp/simnet"

// MaxHeaderSize is http.maxHeaderSize: the bytes a message head may take
// when no option says otherwise (Node v20's --max-http-header-size default).
const MaxHeaderSize = defaultMaxHeaderSize

// Connection is outgoingMessage.connection, the deprecated alias of Socket.
func (m *OutgoingMessage) Connection() *simnet.Socket { return m.Socket() }

// WritableObjectMode is outgoingMessage.writableObjectMode, which Node fixes
// at false: a message body is bytes, never objects.
func (m *OutgoingMessage) WritableObjectMode() bool { return false }

// Pipe is outgoingMessage.pipe(): a message one writes cannot be read, so it
// emits 'error' with ERR_STREAM_CANNOT_PIPE. When nobody listens for 'error'
// the error is returned instead, where Node's emit would throw it.
func (m *OutgoingMessage) Pipe() error {
	err := &Error{Code: "ERR_STREAM_CANNOT_PIPE", Message: "Cannot pipe, not readable"}
	m.trace("error", err)
	if m.Events.Error.Emit(err) {
		return nil
	}
	return err
}

// Finished is response.finished (deprecated in Node): End was called.
func (r *ServerResponse) Finished() bool { return r.finished }

// Connection is message.connection, the deprecated alias of Socket.
func (m *IncomingMessage) Connection() *simnet.Socket { return m.Socket() }

// MaxFreeSockets is agent.maxFreeSockets: the idle sockets kept per origin.
func (a *Agent) MaxFreeSockets() int { return a.maxFree }

// MaxTotalSockets is agent.maxTotalSockets; math.MaxInt stands for Infinity.
func (a *Agent) MaxTotalSockets() int { return a.maxTotal }
