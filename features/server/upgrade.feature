Feature: Upgrade and CONNECT on the server
  A request with Upgrade goes to the 'upgrade' listener, a CONNECT to the
  'connect' listener; the listener then owns the socket. With no
  'upgrade' listener the request is an ordinary request.

  @node:server-upgrade-no-listener
  Scenario: an Upgrade request with no 'upgrade' listener is answered normally
    Given a server that responds with status 200 and body "plain"
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n"
    And the raw client ends once it has received "plain"
    Then the whole run is:
      """
      server:connection socket:connect server:request sres:finish sres:close sreq:end sreq:close
      ssocket:end ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """

  @node:server-connect-listener
  Scenario: a 'connect' listener owns the socket of a CONNECT
    Given a server that ends CONNECT tunnels at once
    And a raw client connects and writes "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:connect socket:end socket:close
      test:mark:raw-received ssocket:end server:close ssocket:close
      """
    And the client sees:
      """
      test:mark:raw-received
      """
    And the raw client receives "HTTP/1.1 200 Connection Established\r\n\r\n"
