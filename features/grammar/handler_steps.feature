Feature: the server's handler as "for each request" steps

  "for each request, <actor> <action>" is a step of the server's handler:
  for every request, in the order written, each once the one before is
  done. The fixed handler sentences ("the server writes ...") stand for
  these steps; each scenario here writes out, step by step, one that a
  fixed-sentence scenario elsewhere also checks.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/).

  @node:server-strict-content-length
  Scenario: strictContentLength refuses to end short of Content-Length, step by step
    Given a server
    And for each request, the server response sets strictContentLength to true
    And for each request, the server response calls setHeader("Content-Length", "10") then write("abc") then end()
    And for each request, the server waits for the next turn
    And for each request, the server marks "connection-closed"
    And for each request, the server request's socket calls destroy()
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request test:mark:thrown
      test:mark:connection-closed ssocket:close sreq:aborted sres:close sreq:close socket:end
      socket:close test:mark:raw-received server:close
      """
    And the server threw ERR_HTTP_CONTENT_LENGTH_MISMATCH

  @node:client-timeout-then-response
  Scenario: the handler waits for the client's 'timeout', then answers
    Given a server
    And for each request, the server waits until request #1 times out
    And for each request, the server marks "respond"
    And for each request, the server response calls end("late")
    When the client sends GET / with:
      | setTimeout | 100 |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:timeout
      req:timeout test:mark:respond sres:finish sres:close sreq:end sreq:close req:response
      res:data* res:end req:close server:close res:close ssocket:close
      """
    And the response has the body "late"

  Scenario: a named server's handler reads the body, waits, and answers
    Given a server "b"
    And for each request to server "b", the server reads the request body
    And for each request to server "b", the server waits 10 ms
    And for each request to server "b", the server response calls end("got it")
    When the client starts POST / to "b"
    And request #1 calls end("hello")
    Then the response has the body "got it"
    And the server receives the body "hello"
    And "req:response" happens between 10 and 11 ms

  @node:grammar-check-expectation
  Scenario: the handler runs in 'checkExpectation' too, as server.on('checkExpectation', handler)
    Given a server
    And the server handles 'checkExpectation'
    And for each request, the server response sets statusCode to 417
    And for each request, the server response calls end()
    And on 'checkExpectation' of the server, the client marks "check-expectation"
    When the client sends GET / with:
      | header | expect: something-else |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:checkExpectation
      test:mark:check-expectation sres:finish sres:close sreq:end sreq:close req:response res:end
      req:close server:close res:close ssocket:close
      """

  Scenario: an 'upgrade' listener written out as "for each upgrade" steps
    Given a server
    And for each upgrade, the server request's socket calls write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
    And for each upgrade, the server waits until the server request's socket ends
    And for each upgrade, the server marks "client-ended"
    And for each upgrade, the server request's socket calls end()
    And on 'upgrade' of the server, the client marks "server-upgrade"
    When the client sends GET / with:
      | header | connection: upgrade |
      | header | upgrade: test       |
    And on 'upgrade' of request #1, the client marks "client-upgrade"
    Then the run includes "server:upgrade test:mark:server-upgrade req:upgrade test:mark:client-upgrade req:close socket:close ssocket:end test:mark:client-ended server:close ssocket:close"

  Scenario: a CONNECT tunnel ended at once from a "for each CONNECT" step
    Given a server
    And for each CONNECT, the server request's socket calls end("HTTP/1.1 200 Connection Established\r\n\r\n")
    When the client sends CONNECT example:443
    Then the run includes "server:connect req:connect"
    And the run includes "ssocket:close"
