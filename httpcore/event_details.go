package httpcore

// The details of a request's 'socket' and an agent's 'free', shared by
// every event that carries the same value (an event's Detail is read, never
// modified): a map made for each event was some 340 bytes in two
// objects, several times per sweep seed.
var (
	socketDetails = [2]map[string]any{{"reusedSocket": false}, {"reusedSocket": true}}
	freeDetails   = func() (d [16]map[string]any) {
		for id := range d {
			d[id] = map[string]any{"socket": id}
		}
		return d
	}()
)

// socketDetail is the Detail of a request's 'socket'.
func socketDetail(reused bool) map[string]any {
	if reused {
		return socketDetails[1]
	}
	return socketDetails[0]
}

// freeDetail is the Detail of an agent's 'free' of the socket numbered id;
// the sockets of a small world share theirs, later ones get their own.
func freeDetail(id int) map[string]any {
	if id < len(freeDetails) {
		return freeDetails[id]
	}
	return map[string]any{"socket": id}
}
