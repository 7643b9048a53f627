Feature: every API call of the module as a sentence

  "<actor> calls <method>(<args>)" calls a method of Node's http module;
  what it throws is marked test:mark:thrown and the scenario goes on.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/grammar.js); the others are where Node's own
  order varies between runs, a real timer racing real I/O.

  @node:grammar-close-all-connections
  Scenario: server.closeAllConnections() while a response is being written
    Given a server
    And the server writes "part"
    And the servers stay open
    When the client sends GET /
    And on 'data' of response #1, the server calls closeAllConnections()
    And when request #1 closes, the server calls close()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      ssocket:close sreq:aborted sres:close sreq:close socket:end socket:close res:aborted req:close
      server:close res:error(ECONNRESET) res:close
      """

  @node:grammar-close-idle-connections
  Scenario: server.closeIdleConnections() leaves the busy connection alone
    Given a server
    And the server waits 20 ms
    And the server ends the response with "done"
    And the servers stay open
    When the client sends GET /
    And after 10 ms the server calls closeIdleConnections()
    And when request #1 closes, the server calls close() then closeIdleConnections()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close server:close res:close ssocket:close
      """

  @node:grammar-agent-destroy
  Scenario: agent.destroy() once the response ended
    Given a server that responds with status 200 and body "hi"
    When the client uses an agent with:
      | keepAlive | true |
    And the client sends GET /
    And when response #1 ends, the agent calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free server:close res:close
      ssocket:close socket:close
      """

  @node:grammar-server-destroys-response
  Scenario: the server destroys its response after the head
    Given a server
    And the server writes the head 200
    And the server writes "a"
    When the client sends GET /
    And on 'data' of response #1, server response #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      ssocket:close sreq:aborted sres:close sreq:close socket:end socket:close res:aborted req:close
      server:close res:error(ECONNRESET) res:close
      """

  Scenario: the client destroys the response on its first data
    Given a server
    And the server writes "a"
    And the server waits 10 ms
    And the server ends the response with "b"
    When the client sends GET /
    And on 'data' of response #1, response #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      res:aborted res:close socket:close req:close ssocket:end server:close ssocket:close sreq:aborted
      sres:close sreq:close
      """

  @node:grammar-destroy-custom-error
  Scenario: req.destroy(err) with a custom error
    Given a server that never responds
    When the client sends GET /
    And on 'socket' of request #1, request #1 calls destroy({code: "EBOOM", message: "boom"})
    Then the whole run is:
      """
      req:socket socket:error(EBOOM) req:error(EBOOM) socket:close req:close server:close
      """
    And the request fails with EBOOM "boom"

  @node:grammar-set-header-array
  Scenario: setHeader with an array value sends the header once per value
    Given a server
    And server response #1 calls setHeader("x-multi", ["1", "2"]) then end("ok")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close server:close res:close ssocket:close
      """
    And the response has the raw headers:
      | x-multi           | 1                             |
      | x-multi           | 2                             |
      | Connection        | keep-alive                    |
      | Keep-Alive        | timeout=5                     |
      | Content-Length    | 2                             |

  @node:grammar-join-duplicate-headers
  Scenario: joinDuplicateHeaders joins repeated response headers
    Given a server
    And server response #1 sets sendDate to false
    And server response #1 calls setHeader("x-multi", ["1", "2"]) then end("ok")
    When the client sends GET / with:
      | joinDuplicateHeaders | true |
    And response #1 reads headers
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response test:mark:read res:data* res:end req:close server:close res:close
      ssocket:close
      """
    And value #1 is {"x-multi": "1, 2", "connection": "keep-alive", "keep-alive": "timeout=5", "content-length": "2"}

  @node:grammar-write-after-end
  Scenario: writing after end() emits 'error' on the response, and setHeader after the head throws
    Given a server
    And server response #1 listens for 'error'
    And server response #1 calls end("ok") then write("late") then setHeader("x-late", "1")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:thrown sres:finish
      sres:error(ERR_STREAM_WRITE_AFTER_END) sres:close sreq:end sreq:close req:response res:data*
      res:end req:close server:close res:close ssocket:close
      """
