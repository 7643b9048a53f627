Feature: Agent pooling, queueing and keep-alive
  An Agent keeps one pool of sockets per origin: requests beyond maxSockets
  wait in a queue, kept-alive sockets wait in the free pool (at most
  maxFreeSockets of them) and are handed out lifo or fifo, maxTotalSockets
  caps the sockets across origins, and a free socket expires after the
  agent's timeout or the server's Keep-Alive hint.

  @node:agent-keepalive-reuse
  Scenario: a keep-alive agent reuses the socket for the next request
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    When the client sends GET /1
    And the client sends GET /2 on the agent's first 'free'
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close agent:free
      req#2:socket res:close req#2:finish server:request sres#2:finish sres#2:close sreq#2:end
      sreq#2:close req#2:response res#2:data* res#2:end req#2:close agent:free server:close
      res#2:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:data* res:end req:close req#2:socket res:close
      req#2:finish req#2:response res#2:data* res#2:end req#2:close res#2:close
      """
    And request #2 was sent on a reused socket
    And request #1 was not sent on a reused socket

  @node:agent-max-sockets-queue
  Scenario: maxSockets 1 queues the second request until the socket is free
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | maxSockets | 1 |
    And the client marks which socket each request gets
    When the client sends GET /1
    And the client sends GET /2
    Then the whole run is:
      """
      req:socket test:mark:req-socket server:connection socket:connect req:finish server:request
      sres:finish sres:close sreq:end sreq:close req:response res:data* res:end req:close
      agent:free req#2:socket test:mark:req-socket res:close req#2:finish server:request
      sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end
      req#2:close agent:free server:close res#2:close socket:close ssocket:close
      """
    And the client sees:
      """
      req:socket test:mark:req-socket req:finish req:response res:data* res:end req:close
      req#2:socket test:mark:req-socket res:close req#2:finish req#2:response res#2:data*
      res#2:end req#2:close res#2:close
      """

  @node:agent-max-free-sockets
  Scenario: maxFreeSockets 1 destroys the second socket freed
    Given a server
    And the server holds the responses until 2 requests have arrived, then ends them with "hello" one per agent 'free'
    And the client uses an agent with:
      | keepAlive      | true |
      | maxFreeSockets | 1    |
    When the client sends GET /1
    And the client sends GET /2
    Then the whole run is:
      """
      req:socket req#2:socket server:connection socket:connect req:finish socket#2:connect
      req#2:finish server:connection server:request server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close agent:free sres#2:finish
      res:close sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end
      req#2:close agent:free server:close res#2:close socket#2:close ssocket#2:close
      ssocket:close
      """
    And the client sees:
      """
      req:socket req#2:socket req:finish req#2:finish req:response res:data* res:end req:close
      res:close req#2:response res#2:data* res#2:end req#2:close res#2:close
      """

  @node:agent-scheduling-lifo
  Scenario: lifo scheduling hands out the socket freed last
    Given a server
    And the server holds the responses until 2 requests have arrived, then ends them with "hello" one per agent 'free'
    And the client uses an agent with:
      | keepAlive  | true |
      | scheduling | lifo |
    And the client marks which socket each request gets
    When the client sends GET /1
    And the client sends GET /2
    And the client sends GET /3 on the turn after the agent's second 'free'
    And the servers close when request #3 closes
    Then the whole run is:
      """
      req:socket test:mark:req-socket req#2:socket test:mark:req-socket server:connection
      socket:connect req:finish socket#2:connect req#2:finish server:connection server:request
      server:request sres:finish sres:close sreq:end sreq:close req:response res:data* res:end
      req:close agent:free sres#2:finish res:close sres#2:close sreq#2:end sreq#2:close
      req#2:response res#2:data* res#2:end req#2:close agent:free res#2:close req#3:socket
      test:mark:req-socket req#3:finish server:request sres#3:finish sres#3:close sreq#3:end
      sreq#3:close req#3:response res#3:data* res#3:end req#3:close agent:free server:close
      res#3:close ssocket#2:close ssocket:close
      """
    And the client sees:
      """
      req:socket test:mark:req-socket req#2:socket test:mark:req-socket req:finish req#2:finish
      req:response res:data* res:end req:close res:close req#2:response res#2:data* res#2:end
      req#2:close res#2:close req#3:socket test:mark:req-socket req#3:finish req#3:response
      res#3:data* res#3:end req#3:close res#3:close
      """

  @node:agent-scheduling-fifo
  Scenario: fifo scheduling hands out the socket freed first
    Given a server
    And the server holds the responses until 2 requests have arrived, then ends them with "hello" one per agent 'free'
    And the client uses an agent with:
      | keepAlive  | true |
      | scheduling | fifo |
    And the client marks which socket each request gets
    When the client sends GET /1
    And the client sends GET /2
    And the client sends GET /3 on the turn after the agent's second 'free'
    And the servers close when request #3 closes
    Then the whole run is:
      """
      req:socket test:mark:req-socket req#2:socket test:mark:req-socket server:connection
      socket:connect req:finish socket#2:connect req#2:finish server:connection server:request
      server:request sres:finish sres:close sreq:end sreq:close req:response res:data* res:end
      req:close agent:free sres#2:finish res:close sres#2:close sreq#2:end sreq#2:close
      req#2:response res#2:data* res#2:end req#2:close agent:free res#2:close req#3:socket
      test:mark:req-socket req#3:finish server:request sres#3:finish sres#3:close sreq#3:end
      sreq#3:close req#3:response res#3:data* res#3:end req#3:close agent:free server:close
      res#3:close ssocket#2:close ssocket:close
      """
    And the client sees:
      """
      req:socket test:mark:req-socket req#2:socket test:mark:req-socket req:finish req#2:finish
      req:response res:data* res:end req:close res:close req#2:response res#2:data* res#2:end
      req#2:close res#2:close req#3:socket test:mark:req-socket req#3:finish req#3:response
      res#3:data* res#3:end req#3:close res#3:close
      """

  @node:agent-max-total-sockets
  Scenario: maxTotalSockets 1 makes a request to another origin wait
    Given a server "a" that responds with status 200 and body "hello"
    And a server "b" that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive       | true |
      | maxTotalSockets | 1    |
    And the client marks which socket each request gets
    And the client marks the agent's state when request #2 gets its socket
    When the client sends GET / to "a"
    And the client sends GET / to "b"
    Then the whole run is:
      """
      req:socket test:mark:req-socket server:connection socket:connect req:finish server:request
      sres:finish sres:close sreq:end sreq:close req:response res:data* res:end req:close
      agent:free agent:free req#2:socket test:mark:req-socket test:mark:agent-state res:close
      server#2:connection socket#2:connect req#2:finish server#2:request sres#2:finish
      sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data* res#2:end req#2:close
      agent:free server:close server#2:close res#2:close socket#2:close ssocket#2:close
      ssocket:close
      """
    And the client sees:
      """
      req:socket test:mark:req-socket req:finish req:response res:data* res:end req:close
      req#2:socket test:mark:req-socket test:mark:agent-state res:close req#2:finish
      req#2:response res#2:data* res#2:end req#2:close res#2:close
      """

  @node:agent-free-socket-timeout
  Scenario: a free socket times out after the agent's timeout
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
      | timeout   | 100  |
    And the servers close when the client socket closes
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close agent:free
      res:close socket:timeout ssocket:end ssocket:close socket:close server:close
      """
    And the client sees:
      """
      req:socket req:finish req:response res:data* res:end req:close res:close
      """
    And "socket:timeout" happens between 100 and 110 ms

  @node:agent-keepalive-hint-too-short
  Scenario: a Keep-Alive hint no longer than the agent's buffer keeps nothing
    Given a server that responds with status 200 and body "hello"
    And the server's keepAliveTimeout is 1000
    And the client traces the global agent
    And the client marks the Keep-Alive header of each response
    And the servers close when the client socket closes
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response test:mark:keep-alive res:data* res:end
      req:close agent:free res:close socket:close server:close ssocket:close
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:keep-alive res:data* res:end req:close
      res:close
      """
    And the response has the header "keep-alive" with "timeout=1"

  @node:agent-keepalive-hint
  Scenario: the Keep-Alive hint shortens the free socket's timeout
    Given a server that responds with status 200 and body "hello"
    And the server's keepAliveTimeout is 2000
    And the client traces the global agent
    And the client marks the Keep-Alive header of each response
    And the servers close when the client socket closes
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response test:mark:keep-alive res:data* res:end
      req:close agent:free res:close socket:timeout ssocket:end ssocket:close socket:close
      server:close
      """
    And the client sees:
      """
      req:socket req:finish req:response test:mark:keep-alive res:data* res:end req:close
      res:close
      """
    And "socket:timeout" happens between 1000 and 1010 ms

  Scenario: the pool holds the socket until the agent's timeout
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
    And the servers stay open
    And the run stops at 50 ms
    When the client sends GET /
    Then the agent ends with 0 sockets in use, 1 free and 0 queued requests

  Scenario: the run stops at its instant, before the free socket's later timeout
    Given a server that responds with status 200 and body "hello"
    And the client uses an agent with:
      | keepAlive | true |
      | timeout   | 1000 |
    And the servers stay open
    And the run stops at 500 ms
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish
      sres:close sreq:end sreq:close req:response res:data* res:end req:close agent:free
      res:close
      """
    And the agent ends with 0 sockets in use, 1 free and 0 queued requests
