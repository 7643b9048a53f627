Feature: a small feature for the library's own tests

  Scenario: nothing listens
    Given nothing listens on the server's port
    When the client sends GET /
    Then the request fails with ECONNREFUSED

  Scenario: a failing expectation
    Given a server that responds with status 200 and no body
    When the client sends GET /
    Then the response has status 201
