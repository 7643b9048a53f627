Feature: actions taken at a time or on an event, by any actor

  Recorded in fixtures/node/cases/actions.js. Every timer starts from an
  event of the scenario, as the Node script's does.

  @node:action-send-after-delay
  Scenario: 50 ms after the first request closed, the client sends a second one on the free socket
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    And 50 ms after request #1 closes, the client sends GET /2
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close res:close req#2:socket
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end req#2:close server:close res#2:close ssocket:close
      """
    And request #2 was sent on a reused socket

  @node:action-raw-after-request-closes
  Scenario: when the HTTP request closes, a raw client connects and sends its own request
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    And when request #1 closes, raw client #1 connects and writes "GET /raw HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close res:close server:connection
      socket#2:connect server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close
      ssocket#2:close socket#2:data* socket#2:end socket#2:close test:mark:raw-received server:close
      socket:end socket:close ssocket:close
      """

  @node:action-signal-on-first-data
  Scenario: on the response's first 'data' the client aborts its signal
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "hello"
    When the client sends GET / with:
      | signal | yes |
    And on 'data' of response #1, the client aborts the signal
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      test:mark:signal-aborted socket:error(ABORT_ERR) req:error(ABORT_ERR) socket:close res:aborted
      req:close res:error(ECONNRESET) res:close ssocket:end server:close ssocket:close sreq:aborted
      sres:close sreq:close
      """

  @node:action-server-close-after-request
  Scenario: 20 ms after the request arrived the server calls close(); the late answer still completes
    Given a server
    And the server waits 50 ms
    And the server ends the response with "late"
    And the servers stay open
    When the client sends GET / with:
      | header | connection: close |
    And 20 ms after request #1 arrives, the server marks "close-called"
    And 20 ms after request #1 arrives, the server calls close()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:close-called
      sres:finish sres:close sreq:end sreq:close server:close req:response res:data* res:end
      res:close socket:close req:close ssocket:close
      """
    And response #1 has the body "late"

  @node:action-raw-destroy-after-delay
  Scenario: a raw client writes an unfinished head, then destroys its socket 30 ms after connecting
    Given a server that responds with status 200 and no body
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n"
    And 30 ms after raw client #1 connects, the client marks "destroy-called"
    And 30 ms after raw client #1 connects, raw client #1 calls destroy()
    Then the whole run is:
      """
      server:connection socket:connect test:mark:destroy-called ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) ssocket:close
      socket:close test:mark:raw-received server:close
      """

  @node:action-end-after-write
  Scenario: req.write() at once and req.end() 30 ms after the server saw the first chunk
    Given a server
    And the server reads the request body
    And the server ends the response with "ok"
    When the client sends POST / with:
      | write | hello |
      | end   | no    |
    And 30 ms after 'data' of server request #1, request #1 calls end("world")
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* req:finish sreq:data*
      sreq:end sres:finish sres:close sreq:close req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """

  @node:action-pause-resume-response
  Scenario: the client pauses the response as it arrives and resumes it 20 ms later
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    And on 'response' of request #1, response #1 calls pause()
    And 20 ms after request #1 gets its response, response #1 calls resume()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close server:close res:close socket:end
      socket:close ssocket:close
      """

  @node:action-continue-after-delay
  Scenario: a checkContinue listener answers 100 Continue 20 ms after the request arrived
    Given a server that listens for checkContinue
    And the server reads the request body
    And the server ends the response with "ok"
    When the client sends POST / with:
      | header           | expect: 100-continue |
      | header           | content-length: 5    |
      | body on continue | hello                |
      | flushHeaders     | yes                  |
    And 20 ms after request #1 arrives, server response #1 calls writeContinue()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:checkContinue req:continue req:information
      req:finish sreq:data* sreq:end sres:finish sres:close sreq:close req:response res:data*
      res:end req:close server:close res:close ssocket:close
      """

  @node:action-server-close-raw-half-head
  Scenario: server.close() leaves a connection with half a request head open until the client ends it
    Given a server that responds with status 200 and no body
    And the servers stay open
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n"
    And 20 ms after the server receives a connection, the server marks "close-called"
    And 20 ms after the server receives a connection, the server calls close()
    And 50 ms after the server receives a connection, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect test:mark:close-called ssocket:end
      server:clientError(HPE_INVALID_EOF_STATE) ssocket:error(HPE_INVALID_EOF_STATE) server:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received
      """
