Feature: Network faults
  Faults are data: a rule says what happens to which connection and when.
  These scenarios check what a Node client sees under each kind, and the
  ones tagged @sweep state invariants that `simhttp sweep` checks under
  random faults drawn from each seed.

  Scenario: a reset before the response fails the request with "socket hang up"
    Given a server that responds with status 200 and body "hello"
    And the fault rule:
      | what        | reset          |
      | server      | server         |
      | dir         | client->server |
      | after bytes | 10             |
    When the client sends GET /
    Then the request fails with ECONNRESET
    And the run does not include "req:response"

  Scenario: a reset after the response headers aborts the response
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    And the server resets the connection after the response headers
    When the client sends GET /
    Then the run includes "req:response"
    And the run includes "res:aborted"
    And the response fails with ECONNRESET "aborted"

  Scenario: the server closes the connection in the middle of the body
    Given a server that responds with status 200 and body "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
    And the server closes the connection after sending 140 bytes
    When the client sends GET /
    Then the run includes "res:aborted"
    And the response fails with ECONNRESET "aborted"

  Scenario: a refused connection
    Given a server that responds with status 200 and no body
    And the server refuses connections
    When the client sends GET /
    Then the request fails with ECONNREFUSED
    And the client sees:
      """
      req:socket req:error(ECONNREFUSED) req:close
      """

  Scenario: a connect that is never answered ends only by the request's timeout
    Given a server that responds with status 200 and no body
    And the network swallows the connection attempts
    When the client sends GET / with:
      | timeout | 300 |
    And the client destroys the request on 'timeout'
    Then "req:timeout" happens between 300 and 301 ms
    And the request fails with ECONNRESET "socket hang up"

  Scenario: latency shows in virtual time
    Given a server that responds with status 200 and body "hello"
    And the link between the client and the server has a latency of 50 ms
    When the client sends GET /
    Then "req:response" happens between 200 and 210 ms
    And the response has the body "hello"

  Scenario: a small MSS cuts the body into many data events
    Given a server that responds with status 200 and body "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
    And the link between the client and the server has segments of at most 10 bytes
    When the client sends GET /
    Then the response has the body "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"

  Scenario: a body written in parts over virtual time
    Given a server
    And the server writes the head 200
    And the server writes the body in parts:
      | 0   | hel |
      | 100 | lo  |
    And the server ends the response
    When the client sends GET /
    Then the response has the body "hello"
    And "res:end" happens between 100 and 110 ms

  @sweep
  Scenario: a single GET keeps its invariants whatever the faults
    Given a server that responds with status 200 and body "hello world"
    When the client sends GET / with:
      | timeout | 2000 |
    And the client destroys the request on 'timeout'
    Then every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
    And no response body byte is delivered twice

  @sweep
  Scenario: keep-alive requests keep their invariants whatever the faults
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
      | timeout   | 1000 |
    When the client sends GET /1
    And the client sends GET /2
    And the client sends GET /3 on the agent's first 'free'
    Then every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
    And no response body byte is delivered twice

  Scenario: destroying the request on the first body data aborts the response
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 100 |
    And the server writes "partial"
    When the client sends GET /
    And the client destroys the request on 'data'
    Then the client sees:
      """
      req:socket req:finish req:response res:data* test:mark:destroy-called res:aborted req:close
      res:error(ECONNRESET) res:close
      """
