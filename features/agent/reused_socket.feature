Feature: A reused keep-alive socket reset by the server
  When a server closes a kept-alive connection just as the client sends its
  next request on it, the request fails with ECONNRESET and reusedSocket is
  true. Node documents the retry: send the request again when both hold.

  @node:agent-reused-socket-econnreset
  Scenario: the server resets the reused connection and the retry succeeds
    Given a server that responds with status 200 and body "hello"
    And the server resets the connection when a second request arrives on it
    And the client uses an agent with:
      | keepAlive | true |
    And the client marks which socket each request gets
    And the client retries a request that fails with ECONNRESET on a reused socket
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when request #3 closes
    Then the whole run is:
      """
      req:socket test:mark:req-socket server:connection socket:connect req:finish server:request
      sres:finish sres:close sreq:end sreq:close req:response res:data* res:end req:close
      agent:free req#2:socket test:mark:req-socket res:close req#2:finish server:request
      test:mark:connection-reset ssocket:close sreq#2:aborted sres#2:close sreq#2:close
      socket:error(ECONNRESET) req#2:error(ECONNRESET) test:mark:retry req#3:socket
      test:mark:req-socket socket:close req#2:close server:connection socket#2:connect
      req#3:finish server:request sres#3:finish sres#3:close sreq#3:end sreq#3:close
      req#3:response res#2:data* res#2:end req#3:close agent:free server:close res#2:close
      ssocket#2:close
      """
    And the client sees:
      """
      req:socket test:mark:req-socket req:finish req:response res:data* res:end req:close
      req#2:socket test:mark:req-socket res:close req#2:finish test:mark:connection-reset
      req#2:error(ECONNRESET) test:mark:retry req#3:socket test:mark:req-socket req#2:close
      req#3:finish req#3:response res#2:data* res#2:end req#3:close res#2:close
      """
    And request #2 was sent on a reused socket
    And request #2 fails with ECONNRESET
    And response #3 has the body "hello"

  # The client's side is Node's recorded one above, less the server's mark;
  # fixtures/node/proxy/close-on-reuse.jsonl has Node's "read ECONNRESET"
  # with reusedSocket true for the same rule.
  Scenario: the fault rule closes the idle connection as the client reuses it
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the server closes the idle connection as the client reuses it
    And the client marks which socket each request gets
    And the client retries a request that fails with ECONNRESET on a reused socket
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then the client sees:
      """
      req:socket test:mark:req-socket req:finish req:response res:data* res:end req:close
      req#2:socket test:mark:req-socket res:close req#2:finish
      req#2:error(ECONNRESET) test:mark:retry req#3:socket test:mark:req-socket req#2:close
      req#3:finish req#3:response res#2:data* res#2:end req#3:close res#2:close
      """
    And request #2 was sent on a reused socket
    And request #2 fails with ECONNRESET "read ECONNRESET"
    And response #3 has the body "hello"
    And every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
    And no response body byte is delivered twice

  # Under the faults a sweep draws on top, the exact sequence above no
  # longer holds (a reset may come first); what must still hold is that
  # every request, the retry included, ends once and cleanly.
  @sweep
  Scenario: a retried request on a reused socket keeps its invariants whatever the faults
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the server closes the idle connection as the client reuses it
    And the client retries a request that fails with ECONNRESET on a reused socket
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when every request has closed
    Then every request emits 'close' once, as its last event, and ends in exactly one of 'end' or 'error' on its response, or in an 'error' of its own when no response came
    And no response body byte is delivered twice
