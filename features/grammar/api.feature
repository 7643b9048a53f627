Feature: every method, property and event of the module a sentence can reach

  Each row of COMPATIBILITY.md that the grammar can call, set, read or wait
  for is reached by a scenario here or in the other grammar features. Values
  read (test:mark:read) and returned (test:mark:returned) are in the trace
  with what they read.

  @node:grammar-server-response-api
  Scenario: the server response's header and writable API
    Given a server
    And on 'prefinish' of server response #1, the client marks "prefinish"
    And on 'finish' of server response #1, server response #1 reads writableFinished
    And on 'close' of server response #1, the client marks "sres-close"
    And server response #1 calls setHeader("x-a", "1") then setHeader("x-list", ["a", "b"]) then hasHeader("x-a") then getHeader("x-list") then getHeaderNames() then getHeaders() then removeHeader("x-a") then hasHeader("x-a")
    And server response #1 sets sendDate to false
    And server response #1 sets statusCode to 201
    And server response #1 sets statusMessage to "Made"
    And server response #1 reads sendDate
    And server response #1 reads statusCode
    And server response #1 reads statusMessage
    And server response #1 reads headersSent
    And server response #1 reads writableHighWaterMark
    And server response #1 reads writableObjectMode
    And server response #1 calls cork() then write("a")
    And server response #1 reads writableCorked
    And server response #1 reads writableLength
    And server response #1 calls setTimeout(5000)
    And server response #1 calls uncork() then flushHeaders()
    And server response #1 reads headersSent
    And server response #1 calls end("b")
    And server response #1 reads writableEnded
    And server response #1 reads finished
    And server response #1 reads writableFinished
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:returned
      test:mark:returned test:mark:returned test:mark:returned test:mark:returned test:mark:read
      test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read
      test:mark:read test:mark:read test:mark:prefinish test:mark:read test:mark:read test:mark:read
      sres:finish test:mark:read sres:close test:mark:sres-close sreq:end sreq:close req:response
      res:data* res:end req:close server:close res:close ssocket:close
      """
    And value #1 is true
    And value #2 is ["a", "b"]
    And value #3 is ["x-a", "x-list"]
    And value #4 is {"x-a": "1", "x-list": ["a", "b"]}
    And value #5 is false

  @node:grammar-client-request-api
  Scenario: the client request's header and writable API
    Given a server that responds with status 200 and body "ok"
    When the client starts POST /submit?x=1
    And on 'prefinish' of request #1, the client marks "prefinish"
    And on 'finish' of request #1, request #1 reads writableFinished
    And on 'response' of request #1, request #1 reads reusedSocket
    And on 'response' of request #1, request #1 reads aborted
    And on 'close' of request #1, request #1 reads destroyed
    And request #1 calls setHeader("host", "example") then setHeader("x-b", ["1", "2"]) then getHeader("x-b") then hasHeader("x-b") then getHeaderNames() then getHeaders() then getRawHeaderNames() then removeHeader("x-b") then hasHeader("x-b")
    And request #1 sets maxHeadersCount to 50
    And request #1 reads maxHeadersCount
    And request #1 reads path
    And request #1 reads method
    And request #1 reads protocol
    And request #1 reads headersSent
    And request #1 reads writableHighWaterMark
    And request #1 reads writableObjectMode
    And request #1 calls setNoDelay(true) then setSocketKeepAlive(true, 1000) then setTimeout(5000)
    And request #1 calls cork() then write("a")
    And request #1 reads writableCorked
    And request #1 calls uncork() then flushHeaders()
    And request #1 reads headersSent
    And request #1 calls end("b")
    And request #1 reads writableEnded
    And request #1 reads finished
    Then the whole run is:
      """
      test:mark:returned test:mark:returned test:mark:returned test:mark:returned test:mark:returned
      test:mark:returned test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read
      test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read
      req:socket test:mark:prefinish server:connection socket:connect req:finish test:mark:read
      server:request sres:finish sreq:data* sres:close sreq:end sreq:close req:response test:mark:read
      test:mark:read res:data* res:end req:close test:mark:read server:close res:close ssocket:close
      """

  @node:grammar-incoming-api
  Scenario: the incoming messages' API on both sides, with trailers
    Given a server
    And server request #1 reads method
    And server request #1 reads url
    And server request #1 reads httpVersion
    And server request #1 reads headers
    And server request #1 reads rawHeaders
    And server request #1 reads complete
    And server request #1 calls setTimeout(5000) then resume()
    And on 'end' of server request #1, server request #1 reads complete
    And on 'end' of server request #1, server request #1 reads trailers
    And on 'end' of server request #1, server request #1 reads rawTrailers
    And on 'end' of server request #1, server response #1 sets sendDate to false
    And on 'end' of server request #1, server response #1 calls writeHead(200, "Fine", {"x-h": "1", "trailer": "x-t"}) then write("a") then addTrailers({"x-t": "done"}) then end()
    And on 'close' of server request #1, the client marks "sreq-close"
    When the client starts POST /in?q=1 with:
      | header | host: example              |
      | header | transfer-encoding: chunked |
      | header | trailer: x-c               |
    And request #1 calls write("body") then addTrailers({"x-c": "1"}) then end()
    And on 'response' of request #1, response #1 calls setTimeout(5000)
    And on 'end' of response #1, response #1 reads statusCode
    And on 'end' of response #1, response #1 reads statusMessage
    And on 'end' of response #1, response #1 reads httpVersion
    And on 'end' of response #1, response #1 reads rawHeaders
    And on 'end' of response #1, response #1 reads trailers
    And on 'end' of response #1, response #1 reads rawTrailers
    And on 'end' of response #1, response #1 reads complete
    And on 'end' of response #1, response #1 reads aborted
    And on 'close' of response #1, the client marks "res-close"
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:read test:mark:read
      test:mark:read test:mark:read test:mark:read test:mark:read sreq:data* sreq:end test:mark:read
      test:mark:read test:mark:read sres:finish sres:close sreq:close test:mark:sreq-close req:response
      res:data* res:end test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read
      test:mark:read test:mark:read test:mark:read req:close server:close res:close test:mark:res-close
      ssocket:close
      """

  @node:grammar-server-api
  Scenario: the server's settings, listen() while listening, and its events
    Given a server that responds with status 200 and body "ok"
    And on 'connection' of the server, the client marks "connection"
    And on 'request' of the server, the client marks "request"
    And on 'close' of the server, the client marks "server-close"
    And the server sets timeout to 1000
    And the server sets keepAliveTimeout to 2000
    And the server sets headersTimeout to 3000
    And the server sets requestTimeout to 4000
    And the server sets maxHeadersCount to 100
    And the server sets maxRequestsPerSocket to 5
    And the server reads timeout
    And the server reads keepAliveTimeout
    And the server reads headersTimeout
    And the server reads requestTimeout
    And the server reads maxHeadersCount
    And the server reads maxRequestsPerSocket
    And the server reads listening
    And the server calls setTimeout(1500) then listen()
    And the server reads timeout
    When the client sends GET /
    Then the whole run is:
      """
      test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read test:mark:read
      test:mark:read test:mark:thrown test:mark:read req:socket server:connection test:mark:connection
      socket:connect req:finish server:request test:mark:request sres:finish sres:close sreq:end
      sreq:close req:response res:data* res:end req:close server:close test:mark:server-close res:close
      ssocket:close
      """

  @node:grammar-agent-api
  Scenario: an agent's sockets, free sockets and queued requests as they change
    Given a server that responds with status 200 and body "ok"
    When the client uses an agent with:
      | keepAlive       | true |
      | maxSockets      | 1    |
      | maxFreeSockets  | 3    |
      | maxTotalSockets | 4    |
    And the client sends GET /1
    And the client sends GET /2
    And the agent reads maxSockets
    And the agent reads maxFreeSockets
    And the agent reads maxTotalSockets
    And on 'socket' of request #1, the agent reads sockets
    And on 'socket' of request #1, the agent reads requests
    And on 'free' of the agent, the agent reads freeSockets
    And on 'close' of request #2, the agent reads freeSockets
    Then the whole run is:
      """
      test:mark:read test:mark:read test:mark:read req:socket test:mark:read test:mark:read
      server:connection socket:connect req:finish server:request sres:finish sres:close sreq:end
      sreq:close req:response res:data* res:end req:close agent:free test:mark:read req#2:socket
      res:close req#2:finish server:request sres#2:finish sres#2:close sreq#2:end sreq#2:close
      req#2:response res#2:data* res#2:end req#2:close test:mark:read agent:free server:close res#2:close
      ssocket:close
      """

  @node:grammar-abort-and-sockets
  Scenario: abort() and its 'abort', and the sockets under a request and a response
    Given a server that never responds
    And server response #1's socket calls setKeepAlive(true, 100)
    When the client sends GET /
    And on 'socket' of request #1, request #1's socket calls setNoDelay(true)
    And on 'abort' of request #1, request #1 reads aborted
    And 10 ms after request #1 arrives, request #1 calls abort()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request req:abort test:mark:read
      ssocket:end ssocket:close sreq:aborted sres:close sreq:close socket:close req:error(ECONNRESET)
      req:close server:close
      """

  @node:grammar-request-timeout
  Scenario: a request's 'timeout', and a server request's 'aborted' and 'close'
    Given a server that never responds
    And on 'aborted' of server request #1, the client marks "sreq-aborted"
    And on 'close' of server request #1, the client marks "sreq-close"
    When the client sends GET / with:
      | setTimeout | 50 |
    And on 'timeout' of request #1, request #1 calls destroy()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request socket:timeout req:timeout
      ssocket:end ssocket:close sreq:aborted test:mark:sreq-aborted sres:close sreq:close
      test:mark:sreq-close socket:close req:error(ECONNRESET) req:close server:close
      """

  @node:grammar-drain
  Scenario: a big write waits for 'drain' on both sides
    Given a server
    And server request #1 calls resume()
    And on 'end' of server request #1, server response #1 calls write("x".repeat(100000))
    And on 'drain' of server response #1, server response #1 calls end()
    When the client starts POST / with:
      | header | content-length: 100000 |
    And request #1 calls write("y".repeat(100000))
    And on 'drain' of request #1, request #1 calls end()
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:drain req:finish server:request sreq:data* sreq:end
      sres:drain sreq:close sres:finish sres:close req:response res:data* res:end req:close server:close
      res:close ssocket:close
      """

  @node:grammar-pipe
  Scenario: pipe() on an outgoing message emits ERR_STREAM_CANNOT_PIPE
    Given a server
    And server response #1 listens for 'error'
    And server response #1 calls pipe() then end("ok")
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request
      sres:error(ERR_STREAM_CANNOT_PIPE) sres:finish sres:close sreq:end sreq:close req:response
      res:data* res:end req:close server:close res:close ssocket:close
      """

  @node:grammar-strict-content-length
  Scenario: strictContentLength set on the response refuses a short body
    Given a server
    And server response #1 listens for 'error'
    And server response #1 sets strictContentLength to true
    And server response #1 reads strictContentLength
    And server response #1 calls setHeader("content-length", "5") then write("abc") then end() then destroy()
    When the client sends GET /
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:read
      test:mark:thrown ssocket:close sreq:aborted sres:close sreq:close socket:end req:error(ECONNRESET)
      socket:close req:close server:close
      """

  @node:grammar-continue-processing
  Scenario: 100 Continue and 102 Processing, with 'checkContinue', 'continue' and 'information'
    Given a server that listens for checkContinue
    And server response #1 calls writeProcessing() then writeContinue()
    And the server reads the request body
    And the server responds with status 200 and body "ok"
    And on 'checkContinue' of the server, the client marks "check-continue"
    When the client sends POST / with:
      | header           | expect: 100-continue |
      | header           | content-length: 5    |
      | body on continue | hello                |
    And on 'information' of request #1, the client marks "information"
    And on 'continue' of request #1, the client marks "continue"
    Then the whole run is:
      """
      req:socket server:connection socket:connect server:checkContinue test:mark:check-continue
      req:information test:mark:information req:continue test:mark:continue req:information req:finish
      sreq:data* sreq:end sres:finish sres:close sreq:close req:response res:data* res:end req:close
      server:close res:close ssocket:close
      """

  @node:grammar-check-expectation
  Scenario: an expectation the server refuses, with 'checkExpectation'
    Given a server that listens for checkExpectation
    And the server responds with status 417 and no body
    And on 'checkExpectation' of the server, the client marks "check-expectation"
    When the client sends GET / with:
      | header | expect: something-else |
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:checkExpectation
      test:mark:check-expectation sres:finish sres:close sreq:end sreq:close req:response res:end
      req:close server:close res:close ssocket:close
      """

  @node:grammar-upgrade
  Scenario: an upgrade seen from both sides
    Given a server that accepts upgrades
    And on 'upgrade' of the server, the client marks "server-upgrade"
    When the client sends GET / with:
      | header | connection: upgrade |
      | header | upgrade: test       |
    And on 'upgrade' of request #1, the client marks "client-upgrade"
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:upgrade test:mark:server-upgrade
      req:upgrade test:mark:client-upgrade req:close socket:close ssocket:end server:close ssocket:close
      """

  @node:grammar-connect
  Scenario: a CONNECT seen from both sides
    Given a server that accepts CONNECT
    And on 'connect' of the server, the client marks "server-connect"
    When the client sends CONNECT example:443
    And on 'connect' of request #1, the client marks "client-connect"
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:connect test:mark:server-connect
      req:connect test:mark:client-connect req:close socket:close ssocket:end server:close ssocket:close
      """
