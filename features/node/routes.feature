Feature: a server that answers per method and path

  A handler table answers each request by its own row; pipelined requests
  are each answered by their rule, in order. Recorded in
  fixtures/node/cases/server-routes.js.

  @node:routes-sequential
  Scenario: two URLs answered their own way, the second sent on the agent's 'free' so it reuses the socket
    Given a server with the handlers:
      | method | path | status | body |
      | GET    | /a   | 200    | A    |
      | GET    | /b   | 404    | B    |
    When the client sends GET /a
    And the client sends GET /b on the agent's first 'free'
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:data* res:end req:close req#2:socket res:close
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end req#2:close server:close res#2:close ssocket:close
      """
    And request #2 was sent on a reused socket
    And response #2 has status 404

  @node:routes-by-method
  Scenario: POST and GET of one path told apart by method
    Given a server with the handlers:
      | method | path   | status | body    |
      | POST   | /items | 201    | created |
      | GET    | /items | 200    | []      |
    When the client sends POST /items with:
      | body | x |
    And the client sends GET /items on the agent's first 'free'
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sreq:data*
      sres:close sreq:end sreq:close req:response res:data* res:end req:close req#2:socket res:close
      req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response
      res#2:data* res#2:end req#2:close server:close res#2:close ssocket:close
      """
    And response #1 has status 201
    And response #2 has the body "[]"

  @node:routes-parallel
  Scenario: a slow and a fast URL requested at once on two sockets: the fast one is answered first
    Given a server with the handlers:
      | method | path  | status | body | delay |
      | GET    | /slow | 200    | slow | 200   |
      | GET    | /fast | 200    | fast |       |
    And the client uses an agent with:
      | keepAlive | false |
    When the client sends GET /slow
    And the client sends GET /fast
    And the servers close when request #1 closes
    Then the whole run is:
      """
      req:socket req#2:socket server:connection socket:connect req:finish socket#2:connect
      req#2:finish server:connection server:request server:request sres#2:finish sres#2:close
      sreq#2:end sreq#2:close ssocket#2:close req#2:response res:data* res:end res:close
      socket#2:close req#2:close sres:finish sres:close sreq:end sreq:close req:response res#2:data*
      res#2:end res#2:close socket:close req:close server:close ssocket:close
      """

  @node:routes-not-found
  Scenario: a path with no row gets 404, then a known path on the same socket
    Given a server with the handlers:
      | method | path | status | body |
      | GET    | /a   | 200    | A    |
    When the client sends GET /missing
    And the client sends GET /a on the agent's first 'free'
    And the servers close when request #2 closes
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request sres:finish sres:close
      sreq:end sreq:close req:response res:end req:close req#2:socket res:close req#2:finish
      server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close req#2:response res#2:data*
      res#2:end req#2:close server:close res#2:close ssocket:close
      """
    And response #1 has status 404

  @node:routes-pipelined-delayed
  Scenario: pipelined requests: the fast second answer waits for the slow first one
    Given a server with the handlers:
      | method | path  | status | body | delay |
      | GET    | /slow | 200    | slow | 30    |
      | GET    | /fast | 200    | fast |       |
    When raw client #1 connects and writes "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\nGET /fast HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request sres:finish sres:close
      sres#2:finish sreq:end sres#2:close sreq#2:end sreq:close sreq#2:close socket:data*
      ssocket:close socket:end socket:close test:mark:raw-received server:close
      """
    And the raw client receives "slowHTTP/1.1 200 OK"

  @node:routes-pipelined-three
  Scenario: three pipelined requests, each answered by its row, in order
    Given a server with the handlers:
      | method | path | status | body  |
      | GET    | /1   | 200    | one   |
      | GET    | /2   | 201    | two   |
      | GET    | /3   | 202    | three |
    When raw client #1 connects and writes "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /2 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request server:request sres:finish
      sres:close sres#2:finish sreq:end sres#2:close sres#3:finish sreq#2:end sres#3:close
      sreq:close sreq#3:end sreq#2:close sreq#3:close ssocket:close socket:data* socket:end
      socket:close test:mark:raw-received server:close
      """
    And the raw client receives "twoHTTP/1.1 202 Accepted"

  @node:routes-pipelined-head-get
  Scenario: pipelined HEAD and GET of one path: only the GET answer has a body
    Given a server with the handlers:
      | method | path | status | body |
      | HEAD   | /a   | 200    | A    |
      | GET    | /a   | 200    | A    |
    When raw client #1 connects and writes "HEAD /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request sres:finish sres:close
      sres#2:finish sreq:end sres#2:close sreq#2:end sreq:close sreq#2:close ssocket:close
      socket:data* socket:end socket:close test:mark:raw-received server:close
      """

  @node:routes-pipelined-first-destroys
  Scenario: the first of two pipelined requests destroys the connection: the second is never answered
    Given a server with the handlers:
      | method | path  | status | body | actions            |
      | GET    | /boom | 200    |      | socket.destroy()   |
      | GET    | /ok   | 200    | ok   |                    |
    When raw client #1 connects and writes "GET /boom HTTP/1.1\r\nHost: localhost\r\n\r\nGET /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    Then the whole run is:
      """
      server:connection socket:connect server:request server:request ssocket:close sreq:aborted
      sreq#2:aborted sres:close sreq:close sreq#2:close socket:end socket:close
      test:mark:raw-received server:close
      """
