Feature: several clients in sequence

  Each client starts when the previous one closes. Recorded in
  fixtures/node/cases/sequences.js.

  @node:seq-three-requests
  Scenario: three requests, each sent when the previous closes, queued behind maxSockets 1 on one socket (a queued request handed a freed socket is not "reused": reusedSocket stays false, as in Node)
    Given a server that responds with status 200 and body "ok"
    And the client uses an agent with:
      | keepAlive  | true |
      | maxSockets | 1    |
    When the client sends GET /1
    And when request #1 closes, the client sends GET /2
    And when request #2 closes, the client sends GET /3
    And the servers close when request #3 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free req#2:socket res:close
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end req#2:close agent:free req#3:socket res#2:close req#3:finish
      server:request sres#3:finish sres#3:close sreq#3:end sreq#3:close req#3:response res#3:data*
      res#3:end req#3:close agent:free server:close res#3:close ssocket:close
      """

  @node:seq-no-keepalive-agent
  Scenario: two requests in sequence on an agent without keep-alive: a new connection each
    Given a server that responds with status 200 and body "ok"
    And the client uses an agent with:
      | keepAlive | false |
    When the client sends GET /1
    And when request #1 closes, the client sends GET /2
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close ssocket:close req:response res:data* res:end res:close socket:close
      req:close req#2:socket server:connection socket#2:connect req#2:finish server:request
      sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket#2:close req#2:response res#2:data*
      res#2:end res#2:close socket#2:close req#2:close server:close
      """

  @node:seq-after-free-socket-timeout
  Scenario: the free socket times out after 50 ms; a request sent 100 ms later opens a new connection
    Given a server that responds with status 200 and body "ok"
    And the client uses an agent with:
      | keepAlive | true |
      | timeout   | 50   |
    When the client sends GET /1
    And 100 ms after request #1 closes, the client sends GET /2
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free res:close
      socket:timeout ssocket:end ssocket:close socket:close req#2:socket server:connection
      socket#2:connect req#2:finish server:request sres#2:finish sres#2:close sreq#2:end
      sreq#2:close req#2:response res#2:data* res#2:end req#2:close agent:free server:close
      res#2:close ssocket#2:close
      """

  @node:seq-three-raw-clients
  Scenario: three raw clients, each connecting when the previous one closes
    Given a server that responds with status 200 and body "ok"
    When raw client #1 connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    And when raw client #1 closes, raw client #2 connects and writes "GET /2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    And when raw client #2 closes, raw client #3 connects and writes "GET /3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received server:connection
      socket#2:connect server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close
      ssocket#2:close socket#2:data* socket#2:end socket#2:close test:mark:raw-received
      server:connection socket#3:connect server:request sres#3:finish sres#3:close sreq#3:end
      sreq#3:close ssocket#3:close socket#3:data* socket#3:end socket#3:close test:mark:raw-received
      server:close
      """

  @node:seq-raw-then-http
  Scenario: a raw client, then, when it closes, an HTTP request
    Given a server that responds with status 200 and body "ok"
    When raw client #1 connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    And when raw client #1 closes, the client sends GET /http
    And the servers close when request #1 closes
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:close socket:data* socket:end socket:close test:mark:raw-received req:socket
      server:connection socket#2:connect req:finish server:request sres#2:finish sres#2:close
      sreq#2:end sreq#2:close req:response res:data* res:end req:close server:close res:close
      ssocket#2:close
      """

  @node:seq-max-requests-per-socket
  Scenario: maxRequestsPerSocket 2: the third request in sequence goes on a new connection
    Given a server that responds with status 200 and body "ok"
    And the server sets maxRequestsPerSocket to 2
    And the client uses an agent with:
      | keepAlive  | true |
      | maxSockets | 1    |
    When the client sends GET /1
    And when request #1 closes, the client sends GET /2
    And when request #2 closes, the client sends GET /3
    And the servers close when request #3 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free req#2:socket res:close
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end res#2:close socket:close req#2:close req#3:socket ssocket:end
      server:connection socket#2:connect req#3:finish ssocket:close server:request sres#3:finish
      sres#3:close sreq#3:end sreq#3:close req#3:response res#3:data* res#3:end req#3:close
      agent:free server:close res#3:close ssocket#2:close
      """

  @node:seq-client-connection-close
  Scenario: a request asking for Connection: close; the next one, sent when it closes, opens a new connection
    Given a server that responds with status 200 and body "ok"
    When the client sends GET /1 with:
      | header | connection: close |
    And when request #1 closes, the client sends GET /2
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close ssocket:close req:response res:data* res:end res:close socket:close
      req:close req#2:socket server:connection socket#2:connect req#2:finish server:request
      sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end
      req#2:close server:close res#2:close ssocket#2:close
      """
