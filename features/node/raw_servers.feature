Feature: what the client makes of a raw server's answers

  A raw server answers the client's first request bytes with a response
  chosen by the scenario and leaves its socket open. Recorded in
  fixtures/node/cases/raw-servers.js.

  @node:raw-server-bad-chunk
  Scenario: a chunk size that is not hex fails the request after its response
    Given a raw server that answers the first request bytes with "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:response
      req:error(HPE_INVALID_CHUNK_SIZE) socket:close res:aborted req:close res:error(ECONNRESET)
      res:close ssocket:end server:close ssocket:close
      """

  @node:raw-server-extra-response
  Scenario: a second response nobody asked for, in the same write, makes the client drop the socket
    Given a raw server that answers the first request bytes with "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:response res:data* res:end
      req:close res:close socket:close ssocket:end server:close ssocket:close
      """

  @node:raw-server-two-early-hints
  Scenario: two 103 Early Hints before the answer: one 'information' each
    Given a raw server that answers the first request bytes with "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </b>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:information req:information
      req:response res:data* res:end res:close socket:close req:close ssocket:end server:close
      ssocket:close
      """

  @node:raw-server-http10
  Scenario: an HTTP/1.0 answer is not kept alive by a keep-alive agent
    Given a raw server that answers the first request bytes with "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish req:response res:data* res:end
      res:close socket:close req:close ssocket:end server:close ssocket:close
      """

  @node:raw-server-length-and-chunked
  Scenario: an answer with both Content-Length and chunked fails the request
    Given a raw server that answers the first request bytes with "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish
      req:error(HPE_INVALID_TRANSFER_ENCODING) socket:close req:close ssocket:end server:close
      ssocket:close
      """
