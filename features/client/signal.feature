Feature: Aborting a request with an AbortSignal
  A request made with a signal ends with an AbortError (code ABORT_ERR) when
  its controller aborts, whether before the request was made, before it has
  a socket, or after the response arrived.

  @node:client-signal-already-aborted
  Scenario: the signal is already aborted when the request is made
    Given a server that responds with status 200 and no body
    When the client aborts the signal before sending
    And the client sends GET / with:
      | signal | yes |
    Then the whole run is:
      """
      test:mark:signal-aborted req:error(ABORT_ERR) req:close server:close socket:close
      """
    And the client sees:
      """
      test:mark:signal-aborted req:error(ABORT_ERR) req:close
      """
    And the request fails with ABORT_ERR

  @node:client-signal-abort-before-socket
  Scenario: the signal aborts right after the request is made
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET / with:
      | signal | yes |
    And the client aborts the signal right away
    Then the whole run is:
      """
      test:mark:signal-aborted req:error(ABORT_ERR) req:close server:close socket:close
      """
    And the client sees:
      """
      test:mark:signal-aborted req:error(ABORT_ERR) req:close
      """

  @node:client-signal-abort-after-response
  Scenario: the signal aborts once the response arrived
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET / with:
      | signal | yes |
    And the client aborts the signal on 'response'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response
      test:mark:signal-aborted socket:error(ABORT_ERR) req:error(ABORT_ERR) socket:close
      res:aborted req:close res:error(ECONNRESET) res:close ssocket:end server:close
      ssocket:close sreq:aborted sres:close sreq:close
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:signal-aborted req:error(ABORT_ERR)
      res:aborted req:close res:error(ECONNRESET) res:close
      """
    And the response fails with ECONNRESET "aborted"
