Feature: listeners as a choice

  Node behaves differently when someone listens: a server with a
  'clientError' listener no longer answers 400 itself, a server with a
  'timeout' listener no longer destroys an idle socket, and a response
  without an 'error' listener is destroyed without emitting 'error'.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/grammar.js); the others are where Node's own
  order varies between runs, a real timer racing real I/O.

  @node:grammar-no-client-error-listener
  Scenario: without a 'clientError' listener the server answers 400 and closes
    Given a server that responds with status 200 and body "hi"
    When raw client #1 connects and writes "BOGUS\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD)
      ssocket:error(HPE_INVALID_METHOD) ssocket:close socket:data* socket:end socket:close
      test:mark:raw-received server:close
      """
    And the raw client receives "HTTP/1.1 400 Bad Request\r\n"

  @node:grammar-client-error-listener
  Scenario: with a 'clientError' listener the server leaves the socket to it
    Given a server that responds with status 200 and body "hi"
    And the server listens for 'clientError'
    When raw client #1 connects and writes "BOGUS\r\n\r\n"
    And after 100 ms raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD) ssocket:end ssocket:close
      socket:end socket:close test:mark:raw-received server:close
      """
    And the raw client does not receive "400"

  @node:grammar-client-error-close-all
  Scenario: with a 'clientError' listener that destroys the socket
    Given a server that responds with status 200 and body "hi"
    And the server listens for 'clientError'
    When raw client #1 connects and writes "BOGUS\r\n\r\n"
    And on 'clientError' of the server, the server calls closeAllConnections()
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD) ssocket:close socket:end
      socket:close test:mark:raw-received server:close
      """

  @node:grammar-server-timeout-no-listener
  Scenario: without a 'timeout' listener the server destroys an idle socket
    Given a server that never responds
    And the server's timeout is 50
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request ssocket:timeout sres:timeout server:timeout
      socket:end socket:close test:mark:raw-received server:close ssocket:close sreq:aborted sres:close
      sreq:close
      """

  @node:grammar-server-timeout-listener
  Scenario: with a 'timeout' listener the socket stays until the listener acts
    Given a server that never responds
    And the server's timeout is 50
    And the server listens for 'timeout'
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    And 20 ms after the server times out, server request #1's socket calls destroy()
    Then the whole run is:
      """
      server:connection socket:connect server:request ssocket:timeout sres:timeout server:timeout
      socket:end socket:close test:mark:raw-received server:close ssocket:close sreq:aborted sres:close
      sreq:close
      """

  Scenario: a response cut short, with the client's 'error' listener on it
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 10 |
    And the server writes "abc"
    And the server waits 10 ms
    And the server destroys the connection
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      test:mark:connection-closed socket:end socket:close res:aborted req:close server:close
      res:error(ECONNRESET) res:close ssocket:close sreq:aborted sres:close sreq:close
      """

  Scenario: a response cut short, with no 'error' listener on it
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 10 |
    And the server writes "abc"
    And the server waits 10 ms
    And the server destroys the connection
    When the client sends GET /
    And response #1 does not listen for 'error'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      test:mark:connection-closed socket:end socket:close res:aborted req:close server:close res:close
      ssocket:close sreq:aborted sres:close sreq:close
      """
