Feature: raw clients whose reads are traced

  What a raw client receives is traced as socket:data, one event per read.
  Recorded in fixtures/node/cases/raw-clients.js.

  @node:raw-data-simple
  Scenario: one request with Connection: close, answered in one read
    Given a server that responds with status 200 and body "hello"
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received server:close
      """

  @node:raw-data-keepalive-two
  Scenario: two requests on one keep-alive connection, the second written at the first answer
    Given a server with the handlers:
      | method | path | status | body |
      | GET    | /1   | 200    | one  |
      | GET    | /2   | 200    | two  |
    When raw client #1 connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
    And on 'data' of raw client #1, raw client #1 writes "GET /2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      socket:data* server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket:close
      socket:data* socket:end socket:close test:mark:raw-received server:close
      """

  @node:raw-data-expect-continue
  Scenario: Expect: 100-continue: the interim answer in its own read, then the body, then the final answer
    Given a server
    And the server reads the request body
    And the server ends the response with "ok"
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    And on 'data' of raw client #1, raw client #1 writes "hello"
    Then the whole run is:
      """
      server:connection socket:connect server:request socket:data* sreq:data* sreq:end sres:finish
      sres:close sreq:close ssocket:close socket:data* socket:end socket:close
      test:mark:raw-received server:close
      """
    And the raw client receives "HTTP/1.1 100 Continue\r\n\r\n"

  @node:raw-data-timed-parts
  Scenario: a body written in parts 20 ms apart arrives in as many reads
    Given a server
    And the server writes the body in parts:
      | 0  | a |
      | 20 | b |
    And the server waits 20 ms
    And the server ends the response
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request socket:data* sres:finish sres:close sreq:end
      sreq:close socket:data* ssocket:close socket:end socket:close test:mark:raw-received
      server:close
      """

  @node:raw-data-malformed
  Scenario: a malformed request line: the 400 answer in one read, then the server closes
    Given a server that responds with status 200 and no body
    When raw client #1 connects and writes "GARBAGE\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD)
      ssocket:error(HPE_INVALID_METHOD) ssocket:close socket:data* socket:end socket:close
      test:mark:raw-received server:close
      """
    And the raw client receives "HTTP/1.1 400 Bad Request"

  @node:raw-data-http10
  Scenario: an HTTP/1.0 request without keep-alive is answered and the connection closed
    Given a server that responds with status 200 and body "hello"
    When raw client #1 connects and writes "GET / HTTP/1.0\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received server:close
      """
