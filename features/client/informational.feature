Feature: Interim responses, upgrades and CONNECT
  1xx responses other than 101 fire 'information' before 'response';
  "Expect: 100-continue" makes the client wait for 'continue' before the
  body; a 101 or an answered CONNECT hands the socket to the 'upgrade' or
  'connect' listener, or destroys it when nobody listens.

  @node:client-expect-continue
  Scenario: the server's automatic 100 Continue lets the client send its body
    Given a server
    And the server reads the request body
    And the server ends the response with "ok"
    When the client sends POST / with:
      | header           | expect: 100-continue |
      | header           | content-length: 5    |
      | flushHeaders     | yes                  |
      | body on continue | hello                |
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:request req:continue req:information
      req:finish sreq:data* sreq:end sres:finish sres:close sreq:close req:response res:data*
      res:end req:close server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:continue req:information req:finish req:response res:data* res:end
      req:close res:close
      """
    And the server receives the body "hello"

  @node:client-information-102
  Scenario: 102 Processing comes before the response
    Given a server
    And the server sends 102 Processing
    And the server ends the response with "done"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:information req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:information req:response res:data* res:end req:close res:close
      """

  @node:client-information-103
  Scenario: 103 Early Hints come before the response
    Given a server
    And the server sends 103 Early Hints with the link "</style.css>; rel=preload; as=style"
    And the server ends the response with "done"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:information req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:information req:response res:data* res:end req:close res:close
      """

  @node:client-upgrade
  Scenario: a 101 hands the socket to the 'upgrade' listener
    Given a server that accepts upgrades
    When the client sends GET / with:
      | header | connection: Upgrade |
      | header | upgrade: test       |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:upgrade req:upgrade
      req:close socket:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:upgrade req:close
      """

  @node:client-upgrade-no-listener
  Scenario: a 101 nobody listens for destroys the socket
    Given a server that accepts upgrades
    And the client does not listen for 'upgrade'
    When the client sends GET / with:
      | header | connection: Upgrade |
      | header | upgrade: test       |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:upgrade socket:close
      req:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:close
      """

  @node:client-connect
  Scenario: an answered CONNECT hands the socket to the 'connect' listener
    Given a server that accepts CONNECT
    When the client sends CONNECT example.com:443
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:connect req:connect
      req:close socket:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:connect req:close
      """

  @node:client-connect-no-listener
  Scenario: an answered CONNECT nobody listens for destroys the socket
    Given a server that accepts CONNECT
    And the client does not listen for 'connect'
    When the client sends CONNECT example.com:443
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:connect socket:close
      req:close ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:close
      """
