Feature: The order of events of http.request
  The documents of http.request list, for each way a request can go, the
  events req and res emit and their order. Each scenario here is one of
  them, and expects exactly the sequence real Node v20 produces (the
  reference trace named by its @node tag). The client listens to every
  event of req and res, as the reference scripts do, and the server closes
  once the request has closed.

  @node:client-success
  Scenario: a successful request with an empty body
    Given a server that responds with status 200 and no body
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:end req:close server:close res:close
      ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:end req:close res:close
      """
    And the response has status 200

  @node:client-success-body
  Scenario: a successful request with a body
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close server:close
      res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:data* res:end req:close res:close
      """
    And the response has the body "hello world"
    And the response has the header "content-length" with "11"

  @node:client-connection-refused
  Scenario: nothing listens on the port
    Given nothing listens on the server's port
    When the client sends GET /
    Then the whole run is:
      """
      req:socket socket:error(ECONNREFUSED) req:error(ECONNREFUSED) socket:close req:close
      """
    And the client sees:
      """
      req:socket req:error(ECONNREFUSED) req:close
      """
    And the request fails with ECONNREFUSED

  @node:client-close-before-response
  Scenario: the server closes the connection before the response
    Given a server
    And the server destroys the connection
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request
      test:mark:connection-closed ssocket:close sreq:aborted sres:close sreq:close socket:end
      req:error(ECONNRESET) socket:close req:close server:close
      """
    And the client sees:
      """
      req:socket req:finish test:mark:connection-closed req:error(ECONNRESET) req:close
      """
    And the request fails with ECONNRESET "socket hang up"

  @node:client-close-after-response-headers
  Scenario: the server closes the connection after the response headers
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    And the server destroys the connection when the client receives the first body data
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response
      res:data* test:mark:connection-closed ssocket:close sreq:aborted sres:close sreq:close
      socket:end socket:close res:aborted req:close server:close res:error(ECONNRESET) res:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:data* test:mark:connection-closed res:aborted
      req:close res:error(ECONNRESET) res:close
      """
    And the response fails with ECONNRESET "aborted"

  @node:client-destroy-before-socket
  Scenario: req.destroy() before a socket is assigned
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET /
    And the client destroys the request right away
    Then the whole run is:
      """
      test:mark:destroy-called req:error(ECONNRESET) req:close server:close socket:close
      """
    And the client sees:
      """
      test:mark:destroy-called req:error(ECONNRESET) req:close
      """
    And the request fails with ECONNRESET "socket hang up"

  @node:client-destroy-in-socket
  Scenario: req.destroy() before the connection succeeds
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET /
    And the client destroys the request on 'socket'
    Then the whole run is:
      """
      req:socket test:mark:destroy-called socket:close req:error(ECONNRESET) req:close
      server:close
      """
    And the client sees:
      """
      req:socket test:mark:destroy-called req:error(ECONNRESET) req:close
      """

  @node:client-destroy-after-response
  Scenario: req.destroy() after the response arrives
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And the client destroys the request on 'response'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response
      test:mark:destroy-called socket:close res:aborted req:close res:error(ECONNRESET)
      res:close ssocket:end server:close ssocket:close sreq:aborted sres:close sreq:close
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:destroy-called res:aborted req:close
      res:error(ECONNRESET) res:close
      """
    And the response fails with ECONNRESET "aborted"

  @node:client-abort-before-socket
  Scenario: req.abort() before a socket is assigned
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET /
    And the client aborts the request right away
    Then the whole run is:
      """
      test:mark:abort-called req:close req:abort server:close socket:close
      """
    And the client sees:
      """
      test:mark:abort-called req:close req:abort
      """

  @node:client-abort-in-socket
  Scenario: req.abort() before the connection succeeds
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET /
    And the client aborts the request on 'socket'
    Then the whole run is:
      """
      req:socket test:mark:abort-called req:abort socket:close req:error(ECONNRESET) req:close
      server:close
      """
    And the client sees:
      """
      req:socket test:mark:abort-called req:abort req:error(ECONNRESET) req:close
      """

  @node:client-abort-after-response
  Scenario: req.abort() after the response arrives
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And the client aborts the request on 'response'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response
      test:mark:abort-called req:abort socket:close res:aborted req:close res:error(ECONNRESET)
      res:close ssocket:end server:close ssocket:close sreq:aborted sres:close sreq:close
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:abort-called req:abort res:aborted req:close
      res:error(ECONNRESET) res:close
      """

  @node:client-response-not-listened
  Scenario: nobody listens for 'response': the response is read and discarded
    Given a server that responds with status 200 and body "hello world"
    And the client does not listen for 'response'
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:end req:close server:close res:close
      ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:end req:close res:close
      """

  @node:client-response-not-consumed
  Scenario: a response listened for but never read emits no 'end'
    Given a server that responds with status 200 and body "hello world"
    And the client leaves the response unread
    And the trace stops 50 ms after the response
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response test:mark:stop
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:stop
      """

  @node:client-malformed-response
  Scenario: a malformed status line fails the request with the parser's code
    Given a raw server that answers the first request bytes with "HTTP/1.1 abc OK\r\n\r\n"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:error(HPE_INVALID_STATUS)
      socket:close req:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:error(HPE_INVALID_STATUS) req:close
      """
    And the request fails with HPE_INVALID_STATUS

  @node:client-malformed-header
  Scenario: a space inside a response header name fails the request
    Given a raw server that answers the first request bytes with "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:error(HPE_INVALID_HEADER_TOKEN)
      socket:close req:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:error(HPE_INVALID_HEADER_TOKEN) req:close
      """
    And the request fails with HPE_INVALID_HEADER_TOKEN
