Feature: Fault-testing a real service
  The client of these scenarios talks to a real server over real TCP:
  a small Node service each scenario starts itself. An in-process simhttp
  proxy sits in front of it and carries the scenario's fault rules, with the
  same keys as `simhttp proxy`'s JSON rules. Point "the service at" at your
  own service to run the same scenarios against it.

  Background:
    Given the Node service:
      """
      require('http').createServer((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end('hello ' + req.url);
      }).listen(process.env.PORT, '127.0.0.1');
      """

  Scenario: the service answers through the proxy
    When the client sends GET /greeting
    Then the response has status 200
    And the response has the body "hello /greeting"

  Scenario: a reset after the response headers of the second request aborts only that response
    Given the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what    | reset            |
      | request | 2                |
      | after   | response headers |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    Then response #1 has the body "hello /1"
    And request #2 was sent on a reused socket
    And response #2 fails with ECONNRESET "aborted"

  Scenario: the keep-alive race on the real service
    Given the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what | close on reuse |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    Then response #1 has the body "hello /1"
    And request #2 was sent on a reused socket
    And request #2 fails with ECONNRESET
