// Command benchforward is the floor of scripts/bench-proxy.sh: the least a
// user-space TCP proxy can do, two io.Copy goroutines per connection and
// nothing else, so a proxy's cost can be set against the cost of any
// proxy on the same machine in the same run. With -splice (the default)
// io.Copy between two TCP connections moves the bytes with splice(2);
// -splice=false copies through a buffer with read(2) and write(2).
//
//	benchforward [-splice=false] LISTEN UPSTREAM
//
// It exits when its stdin ends.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	splice := flag.Bool("splice", true, "move bytes with splice(2); false copies them through a 32 KiB buffer")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchforward [-splice=false] LISTEN UPSTREAM")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go forward(c.(*net.TCPConn), flag.Arg(1), *splice)
	}
}

func forward(c *net.TCPConn, upstream string, splice bool) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	uc := u.(*net.TCPConn)
	defer uc.Close()
	done := make(chan struct{})
	go func() {
		pipe(uc, c, splice)
		close(done)
	}()
	pipe(c, uc, splice)
	<-done
}

// pipe copies src to dst until src ends, then passes the FIN on.
func pipe(dst, src *net.TCPConn, splice bool) {
	if splice {
		_, _ = io.Copy(dst, src)
	} else {
		// Hiding the concrete types keeps io.Copy off splice and sendfile.
		_, _ = io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 32<<10))
	}
	_ = dst.CloseWrite()
}
