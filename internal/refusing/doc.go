// Package refusing gives tests a loopback address that refuses every
// connection, reliably: the port stays bound by a socket that never
// listens, so no other test can take it between picking it and dialling.
package refusing
