Feature: Client errors, timeouts and closing
  Bad requests end in 'clientError': with no listener the server answers
  400 Bad Request, 431 for an oversized head, 408 when the request or its
  head takes too long, and closes the connection.

  @node:server-client-error-malformed
  Scenario: a malformed request line gets 400 Bad Request
    Given a server that responds with status 200 and no body
    And a raw client connects and writes "GARBAGE\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_INVALID_METHOD)
      ssocket:error(HPE_INVALID_METHOD) ssocket:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"

  @node:server-header-overflow
  Scenario: a request head over maxHeaderSize gets 431
    Given a server that responds with status 200 and no body
    And a raw client connects and writes a request with a 20000-byte header
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_HEADER_OVERFLOW)
      ssocket:error(HPE_HEADER_OVERFLOW) ssocket:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 431 Request Header Fields Too Large"

  @node:server-request-timeout
  Scenario: a request body that never completes gets 408
    Given a server
    And the server's requestTimeout is 100
    And the server's headersTimeout is 100
    And the server's connectionsCheckingInterval is 20
    And the server reads the request body
    And the server ends the response
    And a raw client connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello"
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data*
      server:clientError(ERR_HTTP_REQUEST_TIMEOUT) ssocket:error(ERR_HTTP_REQUEST_TIMEOUT)
      ssocket:close sreq:aborted sres:close sreq:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 408 Request Timeout"
    And "server:clientError" happens between 100 and 125 ms

  @node:server-headers-timeout
  Scenario: a request head that never completes gets 408
    Given a server that responds with status 200 and no body
    And the server's headersTimeout is 100
    And the server's requestTimeout is 1000
    And the server's connectionsCheckingInterval is 20
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(ERR_HTTP_REQUEST_TIMEOUT)
      ssocket:error(ERR_HTTP_REQUEST_TIMEOUT) ssocket:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And "server:clientError" happens between 100 and 125 ms

  @node:server-keepalive-timeout
  Scenario: an idle keep-alive connection is closed after keepAliveTimeout
    Given a server that responds with status 200 and body "hello"
    And the server's keepAliveTimeout is 100
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:timeout server:timeout socket:end socket:close test:mark:raw-received server:close
      ssocket:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    # Node v20 gives the socket keepAliveTimeout plus a second (its trace:
    # 1.1 s after the response).
    And "ssocket:timeout" happens between 1100 and 1105 ms

  @node:server-timeout
  Scenario: server.timeout with no listener destroys the idle socket
    Given a server that never responds
    And the server's timeout is 100
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout socket:end req:error(ECONNRESET) socket:close req:close server:close
      ssocket:close sreq:aborted sres:close sreq:close
      """
    And the client sees:
      """
      req:socket req:finish req:error(ECONNRESET) req:close
      """
    And the request fails with ECONNRESET

  @node:server-close-idle-keepalive
  Scenario: server.close() closes an idle keep-alive connection
    Given a server that responds with status 200 and body "hello"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    And the server closes once the raw client has received "hello"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      test:mark:close-called server:close ssocket:close socket:end socket:close
      test:mark:raw-received
      """
    And the client sees:
      """
      test:mark:close-called test:mark:raw-received
      """

  @node:server-request-aborted
  Scenario: the client goes away in the middle of the request body
    Given a server that never responds
    And the server listens for the request's errors
    And the servers close when the server request closes
    When the client sends POST / with:
      | header | content-length: 100 |
      | write  | 0123456789          |
      | end    | no                  |
    And the client destroys the request when the server receives the first body data
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data*
      test:mark:destroy-called socket:close req:error(ECONNRESET) req:close ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE)
      ssocket:close sreq:aborted sres:close sreq:error(ECONNRESET) sreq:close server:close
      """
    And the client sees:
      """
      req:socket test:mark:destroy-called req:error(ECONNRESET) req:close
      """

  Scenario: a negative server timeout is refused
    Given a server that responds with status 200 and no body
    And the server's keepAliveTimeout is -5
    When the client sends GET /
    Then the scenario fails with ERR_OUT_OF_RANGE
