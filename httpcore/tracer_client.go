package httpcore

import "github.com/simhttp/simhttp/simnet"

// listenOpts turns parts of listenAll off, as some reference cases do
// (a response nobody listens for, one never consumed, no upgrade or CONNECT
// listener).
type listenOpts struct {
	noResponse, noConsume, noUpgrade, noConnect bool
}

// listenAll makes req behave like the client of the real-Node reference
// tracer (fixtures/node/README.md): a listener on every event of req and of
// its response, since Node emits some events only to listeners, and upgraded
// and CONNECT sockets destroyed at once. simhttp request --trace and the
// reference-case tests share it so they trace alike.
func listenAll(req *ClientRequest, o listenOpts) *ClientRequest {
	ev := &req.Events
	ev.Socket().On(func(*simnet.Socket) {})
	ev.Continue().On(func(struct{}) {})
	ev.Information().On(func(Information) {})
	ev.Timeout().On(func(struct{}) {})
	ev.Finish.On(func(struct{}) {})
	ev.Abort().On(func(struct{}) {})
	ev.Error.On(func(error) {})
	ev.Close.On(func(struct{}) {})
	ev.Drain().On(func(struct{}) {})
	if !o.noUpgrade {
		ev.Upgrade().On(func(u UpgradedResponse) { u.Socket.Destroy(nil) })
	}
	if !o.noConnect {
		ev.Connect().On(func(u UpgradedResponse) { u.Socket.Destroy(nil) })
	}
	if !o.noResponse {
		ev.Response.On(func(res *IncomingMessage) {
			if o.noConsume {
				return
			}
			res.Events.Data.On(func([]byte) {})
			res.Events.End.On(func(struct{}) {})
			res.Events.Error.On(func(error) {})
			res.Events.Aborted().On(func(struct{}) {})
			res.Events.Close.On(func(struct{}) {})
		})
	}
	return req
}
