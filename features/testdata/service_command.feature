Feature: a service started from a command
  Scenario: the fixtures' Node server, started on a free port
    Given the service started with "node ../fixtures/node/proxy/server.js {port}"
    And the fault rule:
      | what    | close |
      | request | 1     |
    When the client sends GET /a
    Then the request fails with ECONNRESET "socket hang up"
