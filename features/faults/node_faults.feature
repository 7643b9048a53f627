Feature: Faults the sweep met, as real Node v20 lives them
  Each scenario builds on simnet one kind of fault `simhttp sweep` found,
  and expects what real Node v20 did under the same fault on loopback
  (fixtures/node/sweep/faults.js, recorded in faults.json; a test checks
  that the two never drift apart and that the simulated sockets did what
  Node's did). Together they show what Node guarantees whatever the
  faults, which is what the @sweep invariants state: a request closes
  once, last of its own events; a request without a response fails; a
  response ends in exactly one of 'end' or 'error', and that 'error' may
  come after the request's 'close'; a request may fail as well as its
  response when its socket fails mid-body; responses are numbered in the
  order they arrive, so a retried request's response is not res#3.

  @node-fault:reset-in-second-response-head
  Scenario: a reset inside the second response's head fails that request, and its retry gets res#2
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the client retries a request that fails with ECONNRESET on a reused socket
    And the fault rule:
      | what        | reset          |
      | server      | server         |
      | dir         | server->client |
      | after bytes | 137            |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then the client sees:
      """
      req:socket req:finish req:response res:data* res:end req:close req#2:socket res:close
      req#2:finish req#2:error(ECONNRESET) test:mark:retry req#3:socket req#2:close req#3:finish
      req#3:response res#2:data* res#2:end req#3:close res#2:close
      """
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came

  @node-fault:reset-behind-first-response
  Scenario: a reset right behind the first response is taken by the next request's write on the reused socket
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the client retries a request that fails with ECONNRESET on a reused socket
    And the fault rule:
      | what        | reset          |
      | server      | server         |
      | dir         | server->client |
      | after bytes | 127            |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then the client sees:
      """
      req:socket req:finish req:response res:data* res:end req:close req#2:socket res:close
      req#2:finish req#2:error(ECONNRESET) test:mark:retry req#3:socket req#2:close req#3:finish
      req#3:response res#2:data* res#2:end req#3:close res#2:close
      """
    And request #2 was sent on a reused socket
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came

  @node-fault:close-in-body
  Scenario: a close in the middle of the body aborts the response, and the request emits no error
    Given a server that responds with status 200 and body "hello world"
    And the fault rule:
      | what        | close          |
      | server      | server         |
      | dir         | server->client |
      | after bytes | 129            |
    When the client sends GET /world with:
      | timeout | 2000 |
    And the client destroys the request on 'timeout'
    Then the client sees:
      """
      req:socket req:finish req:response res:data* res:aborted req:close res:error(ECONNRESET)
      res:close
      """
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came

  @node-fault:reset-after-head
  Scenario: a reset right behind the head is read as the end of the stream: the response is aborted, the request emits no error
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the server resets the connection after the response headers
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:finish req:response res:aborted req:close res:error(ECONNRESET) res:close
      """
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came

  @node-fault:reset-between-body-parts
  Scenario: a reset that comes alone, after part of the body was read, fails the request as well as its response
    Given a server
    And the server writes the head 200 with the headers:
      | content-length | 5 |
    And the server writes the body in parts:
      | 0   | hel |
      | 100 | lo  |
    And the server ends the response
    And the client uses an agent with:
      | keepAlive | true |
    And the fault rule:
      | what   | reset          |
      | server | server         |
      | dir    | server->client |
      | at     | 50             |
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:finish req:response res:data* req:error(ECONNRESET) res:aborted req:close
      res:error(ECONNRESET) res:close
      """
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came

  @node-fault:client-aborts-while-sending
  Scenario: a client socket that gives up while sending never times out after its request closed
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
      | timeout   | 1000 |
    And the fault rule:
      | what        | reset          |
      | server      | server         |
      | dir         | client->server |
      | after bytes | 7              |
    And the servers stay open
    And the run stops at 1200 ms
    When the client sends GET /
    Then the client sees:
      """
      req:socket req:finish req:error(ECONNRESET) req:close
      """
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
