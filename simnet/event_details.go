package simnet

// The details a socket's 'close' carries, one map per value and shared by
// every event: a sweep seed closes half a dozen sockets, and a map made
// for each was some 340 bytes in two objects the trace only reads.
var closeDetails = [2]map[string]any{{"hadError": false}, {"hadError": true}}

// closeDetail is the Detail of a socket's 'close'.
func closeDetail(hadError bool) map[string]any {
	if hadError {
		return closeDetails[1]
	}
	return closeDetails[0]
}
