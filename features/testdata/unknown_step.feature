Feature: a scenario with a misspelt step and one without

  Scenario: the misspelt one
    Given a server that respond with status 200 and no body
    When the client sends GET /
    Then the response has status 200

  Scenario: the sound one
    Given a server that responds with status 200 and no body
    When the client sends GET /
    Then the response has status 200
