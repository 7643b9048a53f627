Feature: Header validation and strict lengths
  http.validateHeaderName and http.validateHeaderValue run the checks that
  setHeader runs; strictContentLength makes a body that disagrees with its
  Content-Length an error instead of a malformed message.

  Scenario Outline: header names must be HTTP tokens
    Then validating the header name "<name>" <outcome>

    Examples:
      | name     | outcome                           |
      | x-ok     | succeeds                          |
      | bad name | fails with ERR_INVALID_HTTP_TOKEN |
      | x:y      | fails with ERR_INVALID_HTTP_TOKEN |

  Scenario Outline: header values must not hold control characters
    Then validating the value "<value>" of the header "x-a" <outcome>

    Examples:
      | value      | outcome                     |
      | fine       | succeeds                    |
      | tab\there  | succeeds                    |
      | a\nb       | fails with ERR_INVALID_CHAR |
      | été        | succeeds                    |

  Scenario: a request body shorter than its Content-Length is refused
    Given a server that responds with status 200 and no body
    When the client sends POST / with:
      | header              | content-length: 10 |
      | strictContentLength | yes                |
      | body                | abc                |
    Then sending the request throws ERR_HTTP_CONTENT_LENGTH_MISMATCH
