Feature: Expect: 100-continue and other expectations
  A request with "Expect: 100-continue" goes to 'checkContinue' when it has
  a listener, else the server writes 100 Continue itself and emits
  'request'. Any other expectation goes to 'checkExpectation', or is
  answered 417 Expectation Failed.

  @node:server-check-continue-listener
  Scenario: a 'checkContinue' listener answers 100 itself
    Given a server that listens for checkContinue
    And the server sends 100 Continue
    And the server reads the request body
    And the server ends the response with "ok"
    When the client sends POST / with:
      | header           | expect: 100-continue |
      | header           | content-length: 5    |
      | flushHeaders     | yes                  |
      | body on continue | hello                |
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:checkContinue req:continue
      req:information req:finish sreq:data* sreq:end sres:finish sres:close sreq:close
      req:response res:data* res:end req:close server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:continue req:information req:finish req:response res:data* res:end
      req:close res:close
      """

  @node:server-check-continue-auto
  Scenario: without a listener the server sends 100 Continue itself
    Given a server
    And the server reads the request body
    And the server ends the response with "ok"
    And a raw client connects and writes "POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    And the raw client writes "hello" once it has received "100 Continue"
    Then the whole run is:
      """
      server:connection socket:connect server:request sreq:data* sreq:end sres:finish sres:close
      sreq:close ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """

  @node:server-check-expectation-listener
  Scenario: a 'checkExpectation' listener handles an unknown expectation
    Given a server that listens for checkExpectation
    And the server responds with status 200 and body "expected"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nExpect: foo\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:checkExpectation sres:finish sres:close sreq:end
      sreq:close ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """

  @node:server-check-expectation-auto
  Scenario: without a listener an unknown expectation gets 417
    Given a server that responds with status 200 and body "never"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nExpect: foo\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect ssocket:close socket:end socket:close
      test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 417 Expectation Failed"
