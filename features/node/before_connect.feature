Feature: a request given up before its connection is established, which the server accepts

  Node v20 makes the connect() call on the tick after http.request(), so on
  loopback the handshake is done before any of these steps can stop it. The
  request's error and close, and the client socket's close, all come in the
  turn of the step; the server accepts in the next turn's poll, before the
  check phase that marks next-turn, then reads the client's FIN. The server
  closes 20 ms after it accepted. Recorded in
  fixtures/node/cases/client-before-connect.js.

  @node:client-destroy-before-socket-accepted
  Scenario: the client destroys its request right after http.request(), before the socket
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client starts GET /
    And request #1 marks "destroy-called"
    And request #1 calls destroy()
    And in the next turn, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      test:mark:destroy-called req:error(ECONNRESET) req:close socket:close server:connection
      test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-destroy-in-socket-accepted
  Scenario: the client destroys its request in its 'socket' event, before connecting
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client sends GET /
    And when request #1 gets its socket, request #1 marks "destroy-called"
    And when request #1 gets its socket, request #1 calls destroy()
    And the turn after request #1 gets its socket, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      req:socket test:mark:destroy-called socket:close req:error(ECONNRESET) req:close
      server:connection test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-abort-before-socket-accepted
  Scenario: the client aborts its request right after http.request(), before the socket
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client starts GET /
    And request #1 marks "abort-called"
    And request #1 calls abort()
    And in the next turn, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      test:mark:abort-called req:close req:abort socket:close server:connection test:mark:next-turn
      ssocket:end ssocket:close server:close
      """

  @node:client-abort-in-socket-accepted
  Scenario: the client aborts its request in its 'socket' event, before connecting
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client sends GET /
    And when request #1 gets its socket, request #1 marks "abort-called"
    And when request #1 gets its socket, request #1 calls abort()
    And the turn after request #1 gets its socket, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      req:socket test:mark:abort-called req:abort socket:close req:error(ECONNRESET) req:close
      server:connection test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-signal-before-socket-accepted
  Scenario: the client aborts its AbortSignal right after http.request(), before the socket
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client starts GET / with:
      | signal | yes |
    And the client aborts the signal
    And in the next turn, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      test:mark:signal-aborted req:error(ABORT_ERR) req:close socket:close server:connection
      test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-signal-in-socket-accepted
  Scenario: the client aborts its AbortSignal in its 'socket' event, before connecting
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client sends GET / with:
      | signal | yes |
    And when request #1 gets its socket, the client aborts the signal
    And the turn after request #1 gets its socket, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      req:socket test:mark:signal-aborted socket:error(ABORT_ERR) req:error(ABORT_ERR) socket:close
      req:close server:connection test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-destroy-error-before-socket-accepted
  Scenario: the client destroys its request with its own error right after http.request(), before the socket
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client starts GET /
    And request #1 marks "destroy-called"
    And request #1 calls destroy({code: "EBOOM", message: "boom"})
    And in the next turn, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      test:mark:destroy-called req:error(EBOOM) req:close socket:close server:connection
      test:mark:next-turn ssocket:end ssocket:close server:close
      """

  @node:client-destroy-error-in-socket-accepted
  Scenario: the client destroys its request with its own error in its 'socket' event, before connecting
    Given a server that responds with status 200 and body "hello"
    And the servers stay open
    When the client sends GET /
    And when request #1 gets its socket, request #1 marks "destroy-called"
    And when request #1 gets its socket, request #1 calls destroy({code: "EBOOM", message: "boom"})
    And the turn after request #1 gets its socket, the client marks "next-turn"
    And 20 ms after the server receives a connection, the server calls close()
    Then the whole run is:
      """
      req:socket test:mark:destroy-called socket:error(EBOOM) req:error(EBOOM) socket:close
      req:close server:connection test:mark:next-turn ssocket:end ssocket:close server:close
      """
