Feature: a file that does not parse

  Scenario: steps before a scenario keyword are fine
    Given a server that responds with status 200 and no body

  This line is not Gherkin and not inside a description
    When the client sends GET /
