Feature: listeners as a choice

  Node behaves differently when someone listens. Recorded in
  fixtures/node/cases/listeners.js; the server's 'timeout' listeners are in
  server_timeouts.feature, the server request's 'error' listener in
  body_abort.feature.

  @node:listener-client-error-noop
  Scenario: a 'clientError' listener that does nothing: no 400, the socket stays open until the client ends it
    Given a server that responds with status 200 and no body
    And the server listens for 'clientError'
    When raw client #1 connects and writes "GARBAGE\r\n\r\n"
    And 30 ms after 'clientError' of the server, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD) ssocket:end
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the raw client receives ""

  @node:listener-client-error-noop-overflow
  Scenario: a 'clientError' listener that does nothing, on headers over maxHeaderSize: no 431
    Given a server that responds with status 200 and no body
    And the server is created with the options:
      | maxHeaderSize | 64 |
    And the server listens for 'clientError'
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
    And 30 ms after 'clientError' of the server, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_HEADER_OVERFLOW) ssocket:end
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """

  @node:listener-response-no-error
  Scenario: a response with no 'error' listener, cut short, emits 'aborted' and 'close' only
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And response #1 does not listen for 'error'
    And on 'data' of response #1, server request #1's socket calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      ssocket:close sreq:aborted sres:close sreq:close socket:end socket:close res:aborted req:close
      server:close res:close
      """
