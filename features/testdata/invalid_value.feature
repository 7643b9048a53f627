Feature: an invalid value fails its scenario and the run goes on

  Scenario: an unknown fault kind
    Given a server that responds with status 200 and no body
    And the fault rule:
      | what | explode |
    When the client sends GET /
    Then the response has status 200

  Scenario: a negative agent timeout
    Given a server that responds with status 200 and no body
    And the client uses an agent with:
      | timeout | -5 |
    When the client sends GET /
    Then the response has status 200

  Scenario: a sound scenario after them
    Given a server that responds with status 200 and no body
    When the client sends GET /
    Then the response has status 200
