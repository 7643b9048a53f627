Feature: per-URL handlers as a table

  "a server with the handlers:" answers each request by the first rule
  whose method and path match: after its delay it sets the headers and the
  status, runs its actions and ends the response with its body.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/grammar.js); the others are where Node's own
  order varies between runs, a real timer racing real I/O.

  Scenario: two URLs answered their own way, one after the other
    Given a server with the handlers:
      | method | path | status | headers         | body | delay |
      | GET    | /a   | 200    | x-rule: a       | A    |       |
      | GET    | /b   | 404    | x-rule: b; x-b: 1 | nope | 20    |
    When the client sends GET /a
    And when request #1 closes, the client sends GET /b
    And request #1 reads host
    Then the whole run is:
      """
      test:mark:read req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close req#2:socket res:close
      server:connection socket#2:connect req#2:finish server:request sres#2:finish sres#2:close
      sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end req#2:close server:close res#2:close
      ssocket#2:close ssocket:close
      """
    And response #1 has the body "A"
    And response #1 has the header "x-rule" with "a"
    And response #2 has status 404
    And response #2 has the body "nope"
    And response #2 has the header "x-b" with "1"
    And value #1 is "10.0.0.2"

  @node:grammar-routes-pipelined
  Scenario: pipelined requests, each answered by its own rule
    Given a server with the handlers:
      | method | path   | status | body  | delay |
      | GET    | /slow  | 200    | slow  | 30    |
      | GET    | /fast  | 200    | fast  |       |
      | POST   | *      | 201    | made  |       |
    When raw client #1 connects and writes "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\nPOST /new HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request server:request sres:finish
      sres:close sres#2:finish sreq:end sres#2:close sres#3:finish sreq#2:end sres#3:close sreq:close
      sreq#3:end sreq#2:close sreq#3:close socket:data* ssocket:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the raw client receives "slowHTTP/1.1 200 OK"
    And the raw client receives "fastHTTP/1.1 201 Created"
    And the raw client receives "made"

  Scenario: a rule's actions write, wait and destroy; an unknown URL gets 404
    Given a server with the handlers:
      | method | path   | status | actions                                    |
      | GET    | /cut   | 200    | write("part") then wait(10) then req.destroy() |
      | *      | /api/* | 200    | setHeader("x-api", ["1", "2"]) then end("api") |
    When the client sends GET /cut
    And when request #1 closes, the client sends GET /api/users
    And when request #2 closes, the client sends DELETE /other
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:response res:data*
      sreq:aborted sreq:close socket:end socket:close res:aborted req:close req#2:socket
      res:error(ECONNRESET) res:close ssocket:close sres:close server:connection socket#2:connect
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end req#2:close req#3:socket res#2:close server:connection socket#3:connect
      req#3:finish server:request sres#3:finish sres#3:close sreq#3:end sreq#3:close req#3:response
      res#3:end req#3:close server:close res#3:close ssocket#3:close ssocket#2:close
      """
    And response #2 has the body "api"
    And response #3 has status 404
