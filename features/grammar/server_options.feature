Feature: a server's creation options as an object

  "<server> is created with {<option>: <value>, ...}" gives
  http.createServer its options before the run; "the server is created with
  the options:" and "the server's headersTimeout is <n>" stand for it.

  A scenario tagged @node:<case> expects what real Node v20 recorded for
  <case> (fixtures/node/cases/).

  @node:listener-client-error-noop-overflow
  Scenario: maxHeaderSize given as an object, with a 'clientError' listener that does nothing
    Given a server
    And for each request, the server response calls end()
    And the server is created with {maxHeaderSize: 64}
    And the server listens for 'clientError'
    When raw client #1 connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
    And 30 ms after 'clientError' of the server, raw client #1 ends
    Then the whole run is:
      """
      server:connection socket:connect server:clientError(HPE_HEADER_OVERFLOW) ssocket:end
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """

  Scenario: headersTimeout and connectionsCheckingInterval given as an object
    Given a server
    And the server is created with {headersTimeout: 100, requestTimeout: 1000, connectionsCheckingInterval: 20}
    And a raw client connects and writes "GET / HTTP/1.1\r\nHost: localhost\r\n"
    Then the run includes "server:clientError(ERR_HTTP_REQUEST_TIMEOUT)"
    And "server:clientError" happens between 100 and 120 ms
