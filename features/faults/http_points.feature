Feature: Faults at HTTP points
  A rule can act at a point of an HTTP exchange instead of at a byte count:
  "request" picks the N-th request (counted from 1 over every connection the
  rule acts on), "after" names the point ("request headers", "response
  headers", "response"), and "close on reuse" is the keep-alive race. The
  same keys mean the same in `simhttp proxy`'s JSON rules.

  Scenario: a reset after the response headers of request 2 aborts only that response
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what    | reset            |
      | request | 2                |
      | after   | response headers |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then response #1 has the body "hello"
    And request #2 was sent on a reused socket
    And the run includes "res#2:aborted"
    And response #2 fails with ECONNRESET "aborted"

  Scenario: closing before the third request fails exactly that request
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what    | close |
      | request | 3     |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the client sends GET /3 on the agent's second 'free'
    And the servers close when every request has closed
    Then response #1 has the body "hello"
    And response #2 has the body "hello"
    And request #3 fails with ECONNRESET "socket hang up"
    And the run does not include "sreq#3"

  Scenario: close on reuse meets the client's next request on the kept-alive socket
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what | close on reuse |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then response #1 has the body "hello"
    And request #2 was sent on a reused socket
    And request #2 fails with ECONNRESET
