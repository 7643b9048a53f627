Feature: Request and socket timeouts
  A timeout only reports idleness: 'timeout' is emitted and nothing else
  happens unless a listener acts. Node documents that the listener must
  destroy the request itself.

  @node:client-timeout-destroy
  Scenario: req.setTimeout fires and the listener destroys the request
    Given a server that never responds
    When the client sends GET / with:
      | setTimeout | 100 |
    And the client destroys the request on 'timeout'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:timeout
      req:timeout test:mark:destroy-called ssocket:end ssocket:close sreq:aborted sres:close
      sreq:close socket:close req:error(ECONNRESET) req:close server:close
      """
    And the client sees:
      """
      req:socket req:finish req:timeout test:mark:destroy-called req:error(ECONNRESET) req:close
      """
    And "req:timeout" happens between 100 and 105 ms

  @node:client-timeout-then-response
  Scenario: a timeout alone does not abort the request
    Given a server
    And the server ends the response with "late" when the request times out
    When the client sends GET / with:
      | setTimeout | 100 |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:timeout
      req:timeout test:mark:respond sres:finish sres:close sreq:end sreq:close req:response
      res:data* res:end req:close server:close res:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:timeout test:mark:respond req:response res:data* res:end
      req:close res:close
      """
    And the response has the body "late"

  @node:client-option-timeout-destroy
  Scenario: the timeout option fires once connected
    Given a server that never responds
    When the client sends GET / with:
      | timeout | 100 |
    And the client destroys the request on 'timeout'
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:timeout
      req:timeout test:mark:destroy-called ssocket:end ssocket:close sreq:aborted sres:close
      sreq:close socket:close req:error(ECONNRESET) req:close server:close
      """
    And the client sees:
      """
      req:socket req:finish req:timeout test:mark:destroy-called req:error(ECONNRESET) req:close
      """

  Scenario: a negative timeout is refused when the request is made
    Given a server that responds with status 200 and no body
    When the client sends GET / with:
      | timeout | -1 |
    Then sending the request throws ERR_OUT_OF_RANGE
