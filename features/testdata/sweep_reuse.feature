Feature: a keep-alive socket reused, for the sweep's drawn close-on-reuse faults

  @sweep
  Scenario: the second request goes out on the first one's socket
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
