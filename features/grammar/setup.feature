Feature: the network's rules at a moment of the run, and the right-away and received triggers

  The network's rules and link have no Node counterpart: these scenarios
  pin down simhttp's own sequence. "the network adds the rule" takes the
  keys of the proxy's JSON rules; with a trigger, the rule holds from
  that moment on.

  Scenario: a reset rule added once the first response is in strikes only the second
    Given a server that responds with status 200 and body "hi"
    And the agent is created with {keepAlive: true}
    When the client sends GET /1
    And when request #1 gets its response, the network adds the rule {what: "reset", dir: "server->client", pattern: "\r\n\r\n"}
    And on the first 'free' of the agent, the client sends GET /2
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free req#2:socket res:close
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket:close
      req#2:response socket:end socket:close res#2:aborted req#2:close server:close
      res#2:error(ECONNRESET) res#2:close
      """
    And response #1 has the body "hi"

  Scenario: a raw client answers what it has received with a second request
    Given a server that responds with status 200 and body "hi"
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    And when raw client #1 has received "hi", raw client #1 writes "GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      socket:data* server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close ssocket:close
      socket:data* socket:end socket:close test:mark:raw-received server:close
      """

  Scenario: a sentence runs right after http.request() returns, before the request has a socket
    Given a server that responds with status 200 and body "hi"
    When the client starts GET /
    And when request #1 is made, the client marks "made"
    And request #1 calls end()
    Then the whole run is:
      """
      test:mark:made req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close server:close res:close
      ssocket:close
      """

  Scenario: every request and every response act as each one is made
    Given a server that responds with status 200 and body "hi"
    And every request calls setHeader("x-a", "1")
    And every response marks "response-made"
    When the client sends GET /1
    And when request #1 closes, the client sends GET /2
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response test:mark:response-made res:data* res:end req:close
      req#2:socket res:close server:connection socket#2:connect req#2:finish server:request sres#2:finish
      sres#2:close sreq#2:end sreq#2:close req#2:response test:mark:response-made res#2:data* res#2:end
      req#2:close server:close res#2:close ssocket#2:close ssocket:close
      """
    And the server receives the header "x-a" with "1"
