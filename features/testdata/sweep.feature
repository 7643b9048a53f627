Feature: sweep scenarios for the library's own tests

  @sweep
  Scenario: a GET that must answer with its body whatever the faults
    Given a server that responds with status 200 and body "hello"
    When the client sends GET / with:
      | timeout | 1000 |
    And the client destroys the request on 'timeout'
    Then the response has the body "hello"

  @sweep
  Scenario: a GET that keeps its invariants whatever the faults
    Given a server that responds with status 200 and body "hello"
    When the client sends GET / with:
      | timeout | 1000 |
    And the client destroys the request on 'timeout'
    Then every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
