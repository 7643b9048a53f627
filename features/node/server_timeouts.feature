Feature: server timeouts on an active request

  When a server socket idles past its timeout, Node v20 emits 'timeout' on
  the socket, then on the server request (only while its body is
  incomplete), on the server response and on the server, and destroys the
  socket only when none of the three had a listener. Recorded in
  fixtures/node/cases/server-timeouts.js.

  @node:server-timeout-property
  Scenario: server.timeout with no listener: the response emits 'timeout', then the server, and the socket is destroyed
    Given a server that never responds
    And the server sets timeout to 100
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout socket:end req:error(ECONNRESET) socket:close req:close
      server:close ssocket:close sreq:aborted sres:close sreq:close
      """
    And the client sees:
      """
      req:socket req:finish req:error(ECONNRESET) req:close
      """

  @node:server-timeout-body-incomplete
  Scenario: while the request body is incomplete the server request emits 'timeout' first
    Given a server
    And the server reads the request body
    And the server calls setTimeout(100)
    When the client sends POST / with:
      | header | content-length: 10 |
      | write  | hello              |
      | end    | no                 |
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* ssocket:timeout
      sreq:timeout sres:timeout server:timeout socket:end req:error(ECONNRESET) socket:close
      req:close server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:server-timeout-listener-responds
  Scenario: a server 'timeout' listener keeps the socket, and answers late
    Given a server that never responds
    And the server calls setTimeout(100)
    And on 'timeout' of the server, the server marks "respond"
    And on 'timeout' of the server, server response #1 calls end("late")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout test:mark:respond sres:finish sres:close sreq:end sreq:close
      req:response res:data* res:end req:close server:close res:close ssocket:close
      """
    And response #1 has the body "late"

  @node:server-timeout-callback-destroys
  Scenario: the server's timeout callback destroys the socket itself
    Given a server that never responds
    And the server calls setTimeout(100)
    And on 'timeout' of the server, the server marks "destroy-called"
    And on 'timeout' of the server, server request #1's socket calls destroy()
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout test:mark:destroy-called socket:end req:error(ECONNRESET)
      socket:close req:close server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:server-timeout-request-listener
  Scenario: a 'timeout' listener on the incomplete server request alone keeps the socket
    Given a server
    And the server reads the request body
    And the server calls setTimeout(100)
    And on 'timeout' of server request #1, the server marks "respond"
    And on 'timeout' of server request #1, server response #1 calls writeHead(200, {"connection": "close"}) then end("late")
    When the client sends POST / with:
      | header | content-length: 10 |
      | write  | hello              |
      | end    | no                 |
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request sreq:data* ssocket:timeout
      sreq:timeout test:mark:respond sres:timeout server:timeout sres:finish sres:close req:response
      res:data* res:end res:close socket:close req:close server:close ssocket:close
      """

  @node:server-timeout-response-listener
  Scenario: a 'timeout' listener on the server response alone keeps the socket
    Given a server that never responds
    And the server calls setTimeout(100)
    And on 'timeout' of server response #1, the server marks "respond"
    And on 'timeout' of server response #1, server response #1 calls end("late")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout test:mark:respond server:timeout sres:finish sres:close sreq:end sreq:close
      req:response res:data* res:end req:close server:close res:close ssocket:close
      """

  @node:server-request-settimeout
  Scenario: req.setTimeout on a complete GET: the callback never runs and the socket is destroyed
    Given a server that never responds
    And server request #1 calls setTimeout(100)
    And on 'timeout' of server request #1, the server marks "respond"
    And on 'timeout' of server request #1, server response #1 calls end("late")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout socket:end req:error(ECONNRESET) socket:close req:close
      server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:server-response-settimeout-no-callback
  Scenario: res.setTimeout with no callback: nobody listens, so the socket is destroyed
    Given a server that never responds
    And server response #1 calls setTimeout(100)
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:timeout
      sres:timeout server:timeout socket:end req:error(ECONNRESET) socket:close req:close
      server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:server-timeout-mid-response
  Scenario: the timeout while the response body is unfinished: the client sees the response aborted
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    And the server calls setTimeout(100)
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      ssocket:timeout sres:timeout server:timeout socket:end socket:close res:aborted req:close
      server:close res:error(ECONNRESET) res:close ssocket:close sreq:aborted sres:close sreq:close
      """
