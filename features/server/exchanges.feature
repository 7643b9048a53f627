Feature: The server's side of an exchange
  The server emits 'connection', then 'request' for each request head, and
  keeps the connection alive unless the client asks to close. Here a raw
  client writes bytes and records everything it received when its socket
  closes (test:mark:raw-received); the server closes once that socket has.

  @node:server-simple
  Scenario: a simple GET answered with a body on a closing connection
    Given a server that responds with status 200 and body "hello"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"

  @node:server-keepalive-two-requests
  Scenario: two requests one after the other on one keep-alive connection
    Given a server that responds with status 200 and body "hello"
    And a raw client connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
    And the raw client writes "GET /2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" once it has received "hello"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket:close socket:end
      socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the server receives 2 requests

  @node:server-pipelined
  Scenario: two pipelined requests are answered in order
    Given a server that responds with status 200 and body "hello"
    And a raw client connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request sres:finish sres:close
      sres#2:finish sreq:end sres#2:close sreq#2:end sreq:close sreq#2:close ssocket:close
      socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """

  @node:server-head-no-body
  Scenario: a HEAD response carries no body
    Given a server that responds with status 200 and body "hello"
    And a raw client connects and writes "HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client does not receive "hello"

  @node:server-204-no-body
  Scenario: a 204 response carries no body
    Given a server that responds with status 204 and body "ignored"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client does not receive "ignored"

  @node:server-304-no-body
  Scenario: a 304 response carries no body
    Given a server that responds with status 304 and body "ignored"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client does not receive "ignored"

  @node:server-writehead-merge
  Scenario: writeHead merges with setHeader and wins a conflict
    Given a server
    And the server sets the response header "X-A" to "1"
    And the server sets the response header "Content-Type" to "text/plain"
    And the server writes the head 200 with the headers:
      | Content-Type | text/html |
      | X-B          | 2         |
    And the server ends the response with "hi"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "Content-Type: text/html"
    And the raw client receives "X-A: 1"
    And the raw client does not receive "text/plain"

  @node:server-trailers
  Scenario: trailers follow a chunked body
    Given a server
    And the server writes the head 200 with the headers:
      | Trailer | X-Checksum |
    And the server writes "hello"
    And the server adds the trailer "X-Checksum" with "abc"
    And the server ends the response
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "0\r\nX-Checksum: abc\r\n\r\n"

  @node:client-trailers
  Scenario: the client sees the trailers after 'end'
    Given a server
    And the server writes the head 200 with the headers:
      | Trailer | X-Checksum |
    And the server writes "hello"
    And the server adds the trailer "X-Checksum" with "abc"
    And the server ends the response
    And the client marks the trailers of each response
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end test:mark:trailers req:close
      server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:data* res:end test:mark:trailers req:close
      res:close
      """
    And the response has the trailer "x-checksum" with "abc"

  @node:server-strict-content-length
  Scenario: strictContentLength refuses to end short of Content-Length
    Given a server
    And the server enforces strictContentLength
    And the server sets the response header "Content-Length" to "10"
    And the server writes "abc"
    And the server ends the response
    And the server waits for the next turn of the loop
    And the server destroys the connection
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request test:mark:thrown
      test:mark:connection-closed ssocket:close sreq:aborted sres:close sreq:close socket:end
      socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:thrown test:mark:connection-closed test:mark:raw-received
      """
    And the server threw ERR_HTTP_CONTENT_LENGTH_MISMATCH

  Scenario: duplicate request headers follow Node's joining rules
    Given a server that responds with status 200 and no body
    When the client sends GET / with:
      | header | x-tag: one   |
      | header | x-tag: two   |
      | header | cookie: a=1  |
      | header | cookie: b=2  |
    Then the server receives the header "x-tag" with "one, two"
    And the server receives the header "cookie" with "a=1; b=2"
    And the server receives the raw headers:
      | x-tag      | one        |
      | x-tag      | two        |
      | cookie     | a=1; b=2   |
      | Host       | 10.0.0.2   |
      | Connection | keep-alive |
