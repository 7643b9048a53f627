package httpcore

import "github.com/simhttp/simhttp/simnet"

// A connection listens to its socket as itself, under one type per
// listener: a pointer held as a simnet.Handler costs no allocation, where
// a closure per listener, and a remover per closure, cost every
// connection ten small objects that stay as long as it does, idle or not
// (BenchmarkIdleHTTPConns).
type (
	// Node's connectionListener learns of a destroyed socket at once.
	goneAfterEnd    serverConn
	goneAfterFinish serverConn
	goneAfterError  serverConn
	goneOnClose     serverConn

	// The request parser's side, removed when the connection upgrades.
	connTimeout serverConn
	connData    serverConn
	connEnd     serverConn
	connClose   serverConn
	connDrain   serverConn
	connError   serverConn
)

func (c *goneAfterEnd) Handle(struct{}) { (*serverConn)(c).checkGoneNextTick() }

func (c *goneAfterFinish) Handle(struct{}) { (*serverConn)(c).checkGoneNextTick() }

func (c *goneAfterError) Handle(error) { (*serverConn)(c).checkGone() }

func (c *goneOnClose) Handle(bool) { (*serverConn)(c).markGone() }

func (c *connTimeout) Handle(struct{}) { (*serverConn)(c).onTimeout() }

func (c *connData) Handle(d []byte) { (*serverConn)(c).onData(d) }

func (c *connEnd) Handle(struct{}) { (*serverConn)(c).onEnd() }

func (c *connClose) Handle(bool) { (*serverConn)(c).onClose() }

func (c *connDrain) Handle(struct{}) { (*serverConn)(c).onDrain() }

func (c *connError) Handle(err error) { (*serverConn)(c).onError(err) }

// connParserHooks is the connection as its request parser's hooks, for
// the same reason: three method values and the struct holding them would
// stay with every connection.
type connParserHooks serverConn

func (c *connParserHooks) onHead(_ *Parser, h *MessageHead) BodyMode {
	return (*serverConn)(c).onHead(h)
}

func (c *connParserHooks) onBody(_ *Parser, b []byte) { (*serverConn)(c).onBody(b) }

func (c *connParserHooks) onComplete(_ *Parser, rawTrailers []string) {
	(*serverConn)(c).onComplete(rawTrailers)
}

// connListeners are the ids of the parser's side's listeners; error is 0
// once the first error removed its listener.
type connListeners struct {
	timeout, data, end, close, drain, error simnet.ListenerID
}

// watchGone adds connectionListener's listeners, which stay for the
// socket's life.
func (c *serverConn) watchGone() {
	ev := &c.sock.Events
	ev.End.Add((*goneAfterEnd)(c))
	ev.Finish.Add((*goneAfterFinish)(c))
	ev.Error.Add((*goneAfterError)(c))
	ev.Close.Add((*goneOnClose)(c))
}

func (c *serverConn) checkGoneNextTick() { c.srv.loop.NextTick(c.checkGone) }

// listen adds the parser's side's listeners, in Node's order.
func (c *serverConn) listen() {
	ev := &c.sock.Events
	c.listeners = connListeners{
		timeout: ev.Timeout.AddIn(c.srv.loop, (*connTimeout)(c)),
		data:    ev.Data.Add((*connData)(c)),
		end:     ev.End.AddIn(c.srv.loop, (*connEnd)(c)),
		close:   ev.Close.AddIn(c.srv.loop, (*connClose)(c)),
		drain:   ev.Drain.AddIn(c.srv.loop, (*connDrain)(c)),
		error:   ev.Error.AddIn(c.srv.loop, (*connError)(c)),
	}
}

// unlisten removes the parser's side's listeners, as an upgrade does.
func (c *serverConn) unlisten() {
	ev := &c.sock.Events
	l := &c.listeners
	ev.Timeout.Remove(l.timeout)
	ev.Data.Remove(l.data)
	ev.End.Remove(l.end)
	ev.Close.Remove(l.close)
	ev.Drain.Remove(l.drain)
	c.stopErrorListener()
}

// stopErrorListener removes the parser's side's error listener, once.
func (c *serverConn) stopErrorListener() bool {
	if c.listeners.error == 0 {
		return false
	}
	c.sock.Events.Error.Remove(c.listeners.error)
	c.listeners.error = 0
	return true
}
