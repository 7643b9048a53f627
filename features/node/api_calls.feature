Feature: the module's API called as a step

  server.closeAllConnections() and closeIdleConnections(), agent.destroy(),
  destroy() on either side's response, req.destroy(err) with the scenario's
  own error, setHeader with an array, joinDuplicateHeaders, and misuse after
  end(): a throw is marked (test:mark:thrown), an 'error' listened for.
  Recorded in fixtures/node/cases/api-calls.js.

  @node:api-close-all-connections
  Scenario: closeAllConnections() as the request arrives destroys the active connection
    Given a server that never responds
    When the client sends GET /
    And when request #1 arrives, the server calls closeAllConnections()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:close
      sreq:aborted sres:close sreq:close socket:end req:error(ECONNRESET) socket:close req:close
      server:close
      """
    And the request fails with ECONNRESET

  @node:api-close-idle-connections
  Scenario: closeIdleConnections() as the second request arrives closes only the idle connection
    Given a server with the handlers:
      | method | path  | status | body |
      | GET    | /a    | 200    | A    |
      | GET    | /slow | 200    | slow |
    When the client sends GET /a
    And the client sends GET /slow
    And when request #2 arrives, the server calls closeIdleConnections()
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket req#2:socket server:connection socket:connect req:finish socket#2:connect
      req#2:finish server:connection server:request sres:finish sres:close sreq:end sreq:close
      req:response res:data* res:end req:close res:close server:request sres#2:finish sres#2:close
      sreq#2:end sreq#2:close ssocket:close socket:end req#2:response res#2:data* res#2:end
      req#2:close server:close res#2:close socket:close ssocket#2:close
      """
    And response #2 has the body "slow"

  @node:api-agent-destroy-free
  Scenario: agent.destroy() once the request closed destroys the free socket
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    When the client sends GET /
    And when request #1 closes, the agent calls destroy()
    And the servers close when the client socket closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free res:close socket:close
      server:close ssocket:close
      """

  @node:api-agent-destroy-in-flight
  Scenario: agent.destroy() while a response arrives destroys the socket in use
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    And the client uses an agent with:
      | keepAlive | true |
    When the client sends GET /
    And on 'response' of request #1, the agent calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      socket:close res:aborted req:close res:error(ECONNRESET) res:close ssocket:end server:close
      ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:api-client-response-destroy
  Scenario: the client destroys the response at its first data
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And on 'data' of response #1, response #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      res:aborted res:close socket:close req:close ssocket:end server:close ssocket:close
      sreq:aborted sres:close sreq:close
      """

  @node:api-server-response-destroy-mid-body
  Scenario: the server destroys its response once the client got part of the body
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And on 'data' of response #1, server response #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      ssocket:close sreq:aborted sres:close sreq:close socket:end socket:close res:aborted req:close
      server:close res:error(ECONNRESET) res:close
      """

  @node:api-server-response-destroy-at-once
  Scenario: the server destroys its response as the request arrives
    Given a server
    And server response #1 calls destroy()
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:close
      sreq:aborted sres:close sreq:close socket:end req:error(ECONNRESET) socket:close req:close
      server:close
      """
    And the request fails with ECONNRESET "socket hang up"

  @node:api-request-destroy-error-after-response
  Scenario: req.destroy(err) with the scenario's own error after the response arrived
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And on 'response' of request #1, request #1 calls destroy({code: "EBOOM", message: "boom"})
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response
      socket:error(EBOOM) req:error(EBOOM) socket:close res:aborted req:close res:error(ECONNRESET)
      res:close ssocket:end server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:api-server-socket-reset
  Scenario: the server resets the connection as the request arrives
    Given a server
    And server request #1's socket calls resetAndDestroy()
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:close
      sreq:aborted sres:close sreq:close socket:error(ECONNRESET) req:error(ECONNRESET) socket:close
      req:close server:close
      """

  @node:api-set-header-array-response
  Scenario: setHeader with an array on the response sends one line per value
    Given a server
    And server response #1 calls setHeader("Set-Cookie", ["a=1", "b=2"])
    And the server ends the response with "ok"
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received server:close
      """
    And the raw client receives "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"

  @node:api-set-header-array-request
  Scenario: setHeader with an array on the request: the server reads two fields
    Given a server that responds with status 200 and body "ok"
    And the server is created with the options:
      | requireHostHeader | false |
    And server request #1 reads rawHeaders
    When the client sends GET / with:
      | setHost | no |
    And request #1 calls setHeader("X-A", ["1", "2"])
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:read
      sres:finish sres:close sreq:end sreq:close req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """
    And value #1 is ["X-A", "1", "X-A", "2", "Connection", "keep-alive"]

  @node:api-join-duplicate-headers
  Scenario: joinDuplicateHeaders joins duplicate request fields with ", "
    Given a server
    And the server is created with the options:
      | joinDuplicateHeaders | true |
    And server request #1 reads headers
    And the server ends the response with "ok"
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request test:mark:read sres:finish sres:close sreq:end
      sreq:close ssocket:close socket:data* socket:end socket:close test:mark:raw-received
      server:close
      """
    And value #1 is {"host": "localhost", "x-a": "1, 2", "connection": "close"}

  @node:api-write-after-end-server
  Scenario: res.write() after res.end(): the response emits ERR_STREAM_WRITE_AFTER_END to its listener and the exchange goes on
    Given a server
    And server response #1 listens for 'error'
    And server response #1 calls end("done") then write("late")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:error(ERR_STREAM_WRITE_AFTER_END) sres:close sreq:end sreq:close req:response res:data*
      res:end req:close server:close res:close ssocket:close
      """
    And response #1 has the body "done"

  @node:api-set-header-after-end
  Scenario: res.setHeader() after res.end() throws ERR_HTTP_HEADERS_SENT, and the exchange goes on
    Given a server
    And server response #1 calls end("done") then setHeader("X-Late", "1")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:thrown
      sres:finish sres:close sreq:end sreq:close req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """

  @node:api-client-write-after-end
  Scenario: req.write() after req.end(): the request emits ERR_STREAM_WRITE_AFTER_END and still gets its response
    Given a server that responds with status 200 and body "hello"
    When the client starts GET /
    And request #1 calls end() then write("late")
    Then the whole run is:
      """
      req:socket req:error(ERR_STREAM_WRITE_AFTER_END) server:connection socket:connect req:finish
      server:request sres:finish sres:close sreq:end sreq:close req:response res:data* res:end
      req:close server:close res:close ssocket:close
      """
    And response #1 has the body "hello"

  @node:api-server-response-destroy-error
  Scenario: the server destroys its response with its own error as the request arrives
    Given a server
    And server response #1 listens for 'error'
    And server response #1 calls destroy({code: "EBOOM", message: "boom"})
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request ssocket:error(EBOOM)
      server:clientError(EBOOM) ssocket:close sreq:aborted sres:close sreq:close socket:end
      req:error(ECONNRESET) socket:close req:close server:close
      """

  @node:api-server-request-destroy
  Scenario: the server destroys its request as it arrives
    Given a server
    And server request #1 calls destroy()
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sreq:aborted sreq:close
      ssocket:close sres:close socket:end req:error(ECONNRESET) socket:close req:close server:close
      """

  @node:api-client-response-destroy-error
  Scenario: the client destroys the response with its own error at its first data
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And on 'data' of response #1, response #1 calls destroy({code: "EBOOM", message: "boom"})
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      res:aborted socket:error(EBOOM) req:error(EBOOM) res:error(EBOOM) res:close socket:close
      req:close ssocket:end server:close ssocket:close sreq:aborted sres:close sreq:close
      """

  @node:api-flush-headers-then-destroy
  Scenario: the client flushes a POST's headers and destroys it when the server request arrives
    Given a server that never responds
    When the client sends POST / with:
      | header       | content-length: 5 |
      | flushHeaders | yes               |
      | end          | no                |
    And when request #1 arrives, request #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request socket:close req:error(ECONNRESET)
      req:close ssocket:end server:clientError(HPE_INVALID_EOF_STATE)
      ssocket:error(HPE_INVALID_EOF_STATE) server:close ssocket:close sreq:aborted sres:close
      sreq:close
      """

  @node:api-close-all-idle-and-active
  Scenario: closeAllConnections() destroys the idle keep-alive connection and the active one
    Given a server with the handlers:
      | method | path  | status | body | actions |
      | GET    | /a    | 200    | A    |         |
      | GET    | /hang | 200    |      | wait(100000) |
    When the client sends GET /a
    And when the agent frees a socket, the client sends GET /hang with:
      | agent | no |
    And when request #2 arrives, the server calls closeAllConnections()
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close req#2:socket res:close
      server:connection socket#2:connect req#2:finish server:request ssocket#2:close sreq#2:aborted
      sres#2:close sreq#2:close ssocket:close socket:end socket#2:end req#2:error(ECONNRESET)
      socket:close socket#2:close req#2:close server:close
      """

  @node:api-head-request
  Scenario: a HEAD request through the client: no body
    Given a server that responds with status 200 and body "hello"
    When the client sends HEAD /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:end res:close socket:close req:close server:close
      ssocket:close
      """

  @node:api-not-modified
  Scenario: a 304 answer through the client: no body though the handler wrote one
    Given a server that responds with status 304 and body "ignored"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:end req:close server:close res:close ssocket:close
      """

  @node:api-request-trailers
  Scenario: a chunked POST with trailers: the server reads them once the body ended
    Given a server
    And the server reads the request body
    And on 'end' of server request #1, server request #1 reads trailers
    And the server ends the response with "ok"
    When the client starts POST /
    And request #1 calls write("hello") then addTrailers({"x-sum": "abc"}) then end()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sreq:data* sreq:end
      test:mark:read sres:finish sres:close sreq:close req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """
    And value #1 is {"x-sum": "abc"}

  @node:api-abort-after-finish
  Scenario: req.abort() once the request finished, before any response
    Given a server that never responds
    When the client sends GET /
    And when request #1 arrives, the client marks "abort-called"
    And when request #1 arrives, request #1 calls abort()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:abort-called
      req:abort socket:close req:error(ECONNRESET) req:close ssocket:end server:close ssocket:close
      sreq:aborted sres:close sreq:close
      """

  @node:api-big-write-paused-reader-1mb
  Scenario: the server writes 1 MB at once while the client holds the response paused: the kernels take it all, so 'drain' comes first
    Given a server
    And server response #1 calls write("x".repeat(1000000))
    And on 'drain' of server response #1, server response #1 calls end()
    When the client sends GET /
    And on 'response' of request #1, response #1 calls pause()
    And 50 ms after request #1 gets its response, response #1 calls resume()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:drain sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close server:close res:close
      ssocket:close
      """

  @node:api-big-write-paused-reader-3mb @diverges
  Scenario: the server writes 3 MB at once while the client holds the response paused
    Given a server
    And server response #1 calls write("x".repeat(3000000))
    And on 'drain' of server response #1, server response #1 calls end()
    When the client sends GET /
    And on 'response' of request #1, response #1 calls pause()
    And 50 ms after request #1 gets its response, response #1 calls resume()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:drain sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close server:close res:close
      ssocket:close
      """

  @node:api-body-longer-than-length
  Scenario: a body longer than its Content-Length: the bytes left over fail the client's parser right after the response
    Given a server
    And server response #1 calls setHeader("Content-Length", 3)
    And the server ends the response with "hello"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response req:error(HPE_INVALID_CONSTANT) res:data* res:end req:close
      server:close res:close ssocket:close socket:close
      """
    And response #1 has the body "hel"

  @node:api-request-body-longer-than-length
  Scenario: a request body longer than its Content-Length: the bytes left over are a bad next request, answered 400
    Given a server
    And the server reads the request body
    And the server ends the response with "ok"
    When the client sends POST / with:
      | header | content-length: 3 |
      | body   | hello             |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sreq:data*
      server:clientError(HPE_INVALID_METHOD) sreq:end ssocket:error(HPE_INVALID_METHOD) sreq:close
      ssocket:close sres:close req:response socket:end res:end res:close socket:close req:close
      server:close
      """
    And response #1 has status 400
