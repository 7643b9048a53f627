Feature: our API answers in time over a slow link

  Scenario: a product page over a 10 ms link
    Given a server with the handlers:
      | method | path         | status | headers                      | body    | delay |
      | GET    | /products/1  | 200    | content-type: text/plain       | product 1 | 5     |
      | *      | *            | 404    |                              |         |       |
    And the link between the client and the server has a latency of 10 ms
    When the client sends GET /products/1
    Then the response arrives within 50 ms
    And the response has the body "product 1"

  Scenario: the client gives up when the signal fires, and says so in time
    Given a server with the handlers:
      | method | path  | status | delay |
      | GET    | /slow | 200    | 500   |
    When the client sends GET /slow with:
      | signal | yes |
    And after 50 ms the client aborts the signal
    Then the whole run is:
      """
      req:socket server:connection socket:connect req:finish server:request test:mark:signal-aborted
      socket:error(ABORT_ERR) req:error(ABORT_ERR) ssocket:end ssocket:close sreq:aborted sres:close
      sreq:close socket:close req:close server:close
      """
