Feature: actions at a time or on an event, for any actor

  A sentence of the grammar is [trigger[,]] actor action. These scenarios
  show each kind of trigger; `simhttp steps` lists every form.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/grammar.js); the others are where Node's own
  order varies between runs, a real timer racing real I/O.

  Scenario: a second request 50 ms after the main script started
    Given a server that responds with status 200 and body "hi"
    When the client sends GET /1
    And after 50 ms the client sends GET /2
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close res:close req#2:socket req#2:finish
      server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data*
      res#2:end req#2:close server:close res#2:close ssocket:close
      """

  Scenario: the next request starts when the previous one closes
    Given a server that responds with status 200 and body "hi"
    When the client sends GET /1
    And when request #1 closes, the client sends GET /2
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close req#2:socket res:close
      server:connection socket#2:connect req#2:finish server:request sres#2:finish sres#2:close
      sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end req#2:close server:close res#2:close
      ssocket#2:close ssocket:close
      """

  Scenario: the client aborts the signal on the response's first 'data'
    Given a server
    And the server writes "a"
    And the server waits 10 ms
    And the server ends the response with "b"
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

  @node:grammar-close-after-arrival
  Scenario: the server calls close() 20 ms after the request arrives
    Given a server
    And the server waits 50 ms
    And the server ends the response with "late"
    When the client sends GET /
    And 20 ms after request #1 arrives, the server calls close()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close res:close socket:timeout ssocket:end
      server:close ssocket:close socket:close
      """

  Scenario: req.end() 10 ms after req.write()
    Given a server
    And the server reads the request body
    And the server responds with status 200 and body "got it"
    When the client starts POST / with:
      | header | transfer-encoding: chunked |
    And request #1 calls write("a")
    And after 10 ms request #1 calls end("b")
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* req:finish sreq:data*
      sreq:end sres:finish sres:close sreq:close req:response res:data* res:end req:close server:close
      res:close ssocket:close
      """
    And the server receives the body "ab"

  @node:grammar-raw-destroy-after
  Scenario: a raw client destroys its socket after 30 ms
    Given a server that never responds
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    And after 30 ms raw client #1 calls destroy()
    Then the whole run is:
      """
      server:connection socket:connect server:request ssocket:end ssocket:close sreq:aborted sres:close
      sreq:close socket:close test:mark:raw-received server:close
      """

  @node:grammar-raw-sequence
  Scenario: raw clients in sequence, each when the previous one closes
    Given a server that responds with status 200 and body "hi"
    When raw client #1 connects and writes "GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    And when raw client #1 closes, raw client #2 connects and writes "GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received server:connection
      socket#2:connect server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket#2:close
      socket#2:data* socket#2:end socket#2:close test:mark:raw-received server:close
      """
    And the raw client receives "hi"

  @node:grammar-raw-after-request
  Scenario: when request #1 closes, a raw client connects
    Given a server that responds with status 200 and body "hi"
    When the client sends GET /
    And when request #1 closes, raw client #1 connects and writes "GET /raw HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close res:close server:connection
      socket#2:connect server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket#2:close
      socket#2:data* socket#2:end socket#2:close test:mark:raw-received server:close socket:end
      socket:close ssocket:close
      """

  Scenario: the server gives up on a slow request, then a raw client tries (the example of features/README.md)
    Given a server
    And the servers stay open
    When the client sends GET /slow
    And 20 ms after request #1 arrives, server request #1's socket calls destroy()
    And when request #1 closes, raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    And 50 ms after raw client #1 connects, the server calls closeAllConnections() then close()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:end
      req:error(ECONNRESET) socket:close req:close ssocket:close sreq:aborted sres:close sreq:close
      server:connection socket#2:connect server:request server:close socket#2:end socket#2:close
      test:mark:raw-received ssocket#2:close sreq#2:aborted sres#2:close sreq#2:close
      """
