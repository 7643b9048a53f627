Feature: a client that goes away while the server reads its request body

  The client's own error and close come first; then the server reads the
  end of the stream: clientError(HPE_INVALID_EOF_STATE), the socket's error
  and close, the request's aborted, the response's close, the request's
  error (only to a listener) and close. The client leaves on the server
  request's first 'data'; the server never answers and closes once its
  request closes. Recorded in fixtures/node/cases/server-body-abort.js.

  @node:server-body-client-abort
  Scenario: the client aborts its request mid-body
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And on 'data' of server request #1, the client marks "abort-called"
    And on 'data' of server request #1, request #1 calls abort()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* test:mark:abort-called
      req:abort socket:close req:error(ECONNRESET) req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-client-signal
  Scenario: the client aborts its AbortSignal mid-body
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
      | signal | yes                 |
    And on 'data' of server request #1, the client aborts the signal
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* test:mark:signal-aborted
      socket:error(ABORT_ERR) req:error(ABORT_ERR) socket:close req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-client-destroy-error
  Scenario: the client destroys its request mid-body with its own error
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And on 'data' of server request #1, the client marks "destroy-called"
    And on 'data' of server request #1, request #1 calls destroy({code: "EBOOM", message: "boom"})
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* test:mark:destroy-called
      socket:error(EBOOM) req:error(EBOOM) socket:close req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-no-error-listener
  Scenario: without an 'error' listener the server request emits no error
    Given a server
    And the server reads the request body
    And server request #1 listens for 'aborted'
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And on 'data' of server request #1, the client marks "destroy-called"
    And on 'data' of server request #1, request #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* test:mark:destroy-called
      socket:close req:error(ECONNRESET) req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:close server:close
      """

  @node:server-body-client-error-listener
  Scenario: a 'clientError' listener that destroys the socket: no socket error
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    And on 'clientError' of the server, server request #1's socket calls destroy()
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And on 'data' of server request #1, the client marks "destroy-called"
    And on 'data' of server request #1, request #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* test:mark:destroy-called
      socket:close req:error(ECONNRESET) req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:close sreq:aborted sres:close
      sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-server-responded
  Scenario: the server answered at the first body data; the client then destroys its request, and the server request never closes
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    And on 'data' of server request #1, server response #1 calls end("early")
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And on 'response' of request #1, the client marks "destroy-called"
    And on 'response' of request #1, request #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* sres:finish sres:close
      req:response test:mark:destroy-called res:end res:close socket:close req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) server:close
      ssocket:close
      """

  @node:server-body-raw-end
  Scenario: a raw client sends 10 of 100 body bytes, then ends its socket
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"
    And the servers close when the server request closes
    And on 'data' of server request #1, the client marks "end-called"
    And on 'data' of server request #1, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data* test:mark:end-called ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close socket:data* socket:end
      socket:close test:mark:raw-received
      """

  @node:server-body-raw-destroy
  Scenario: a raw client sends 10 of 100 body bytes, then destroys its socket
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"
    And the servers close when the server request closes
    And on 'data' of server request #1, the client marks "destroy-called"
    And on 'data' of server request #1, raw client #1 calls destroy()
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data* test:mark:destroy-called
      socket:close test:mark:raw-received ssocket:end server:clientError(HPE_INVALID_EOF_STATE)
      ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close sreq:aborted sres:close
      sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-raw-reset
  Scenario: a raw client sends 10 of 100 body bytes, then resets the connection
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"
    And the servers close when the server request closes
    And on 'data' of server request #1, the client marks "connection-reset"
    And on 'data' of server request #1, raw client #1 calls resetAndDestroy()
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data* test:mark:connection-reset
      socket:close test:mark:raw-received ssocket:error(ECONNRESET) server:clientError(ECONNRESET)
      ssocket:close sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close
      """

  @node:server-body-raw-chunked-end
  Scenario: a raw client sends the first chunk of a chunked body, then ends its socket
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    And the server reads the request body
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n"
    And the servers close when the server request closes
    And on 'data' of server request #1, the client marks "end-called"
    And on 'data' of server request #1, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data* test:mark:end-called ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close socket:data* socket:end
      socket:close test:mark:raw-received
      """

  @node:server-body-raw-unread-end
  Scenario: the handler never reads the body; the raw client ends its socket in the turn after the request arrived
    Given a server
    And server request #1 listens for 'error'
    And server request #1 listens for 'aborted'
    When raw client #1 connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789"
    And the servers close when the server request closes
    And the turn after request #1 arrives, the client marks "end-called"
    And the turn after request #1 arrives, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:request test:mark:end-called ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close socket:data* socket:end
      socket:close test:mark:raw-received
      """
