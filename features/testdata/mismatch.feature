Feature: a sequence check that fails

  Scenario: the client expects the request to close right after its socket
    Given a server that responds with status 200 and body "hello"
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:close
      """
