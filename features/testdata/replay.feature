Feature: A server that replays a packet capture

  Scenario: recorded responses answer the same requests
    Given a server that replays the capture "fixtures/captures/keepalive.pcap"
    When the client sends GET /b
    And the client sends GET /a
    And the client sends GET /missing
    Then response #1 has the body "second response body"
    And response #1 has the header "content-type" with "text/plain"
    And response #2 has the body "hello world"
    And response #3 has status 404

  Scenario: a capture that is not there
    Given a server that replays the capture "fixtures/captures/nothing-here.pcap"
