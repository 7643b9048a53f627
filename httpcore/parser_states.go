package httpcore

// state is the parser's position in llhttp's graph. The order matters:
// Execute dispatches on ranges (start line, headers, body).
type state uint8

const (
	// Between messages and in the request line.
	sStart              state = iota // start: skips CR and LF between messages
	sReqMethod                       // after_start_req: the method trie
	sReqFirstSpace                   // req_first_space_before_url
	sReqSpacesBeforeURL              // req_spaces_before_url
	sURLStart                        // url_start
	sURLSchema                       // url_schema
	sURLSchemaDelim                  // url_schema_delim: "//"
	sURLServer                       // url_server
	sURLServerWithAt                 // url_server_with_at
	sURLPath                         // url_path and url_query_or_fragment
	sURLQuery                        // url_query
	sURLFragment                     // url_fragment
	sURLCRLF                         // url_skip_lf_to_http09: "\r\n"
	sURLToHTTP                       // url_to_http: after the space that ends the URL
	sURLToHTTP09                     // url_to_http_09: after the line break that ends the URL
	sReqHTTPStart                    // req_http_start: spaces before the version
	sReqProtocol                     // req_after_http_start: HTTP, RTSP or ICE
	sReqAfterProtocol                // req_after_protocol: "/"
	sReqMajor                        // req_http_major
	sReqDot                          // req_http_dot
	sReqMinor                        // req_http_minor
	sReqComplete                     // req_http_complete
	sReqCompleteLF                   // req_http_complete_crlf
	sReqPreface                      // req_pri_upgrade: the rest of the HTTP/2 preface

	// The status line.
	sResProtocol        // res_after_start: HTTP, RTSP or ICE
	sResAfterProtocol   // res_after_protocol: "/"
	sResMajor           // res_http_major
	sResDot             // res_http_dot
	sResMinor           // res_http_minor
	sResAfterVersion    // res_after_version
	sResStatus1         // res_status_code_digit_1
	sResStatus2         // res_status_code_digit_2
	sResStatus3         // res_status_code_digit_3
	sResStatusOtherwise // res_status_code_otherwise
	sResStatusStart     // res_status_start
	sResStatus          // res_status
	sResLineAlmostDone  // res_line_almost_done

	// Header and trailer lines.
	sHeadersStart             // headers_start
	sFieldStart               // header_field_start
	sField                    // header_field: the special-name trie
	sFieldColon               // header_field_colon
	sFieldColonWS             // header_field_colon_discard_ws
	sFieldGeneral             // header_field_general
	sValueDiscardWS           // header_value_discard_ws
	sValueDiscardWSAlmostDone // header_value_discard_ws_almost_done
	sValueDiscardLWS          // header_value_discard_lws
	sValueTEChunked           // header_value_te_chunked
	sValueTEChunkedLast       // header_value_te_chunked_last
	sValueTEToken             // header_value_te_token
	sValueTETokenOWS          // header_value_te_token_ows
	sValueContentLength       // header_value_content_length
	sValueContentLengthWS     // header_value_content_length_ws
	sValueConnection          // header_value_connection
	sValueConnectionWS        // header_value_connection_ws
	sValueConnectionToken     // header_value_connection_token
	sValue                    // header_value
	sValueOtherwise           // header_value_otherwise
	sValueLenient             // header_value_lenient
	sValueAlmostDone          // header_value_almost_done
	sValueLWS                 // header_value_lws
	sHeadersAlmostDone        // headers_almost_done

	// Bodies and what follows a message.
	sBodyIdentity        // body_identity
	sBodyEOF             // body_identity_eof
	sChunkSizeDigit      // chunk_size_digit
	sChunkSize           // chunk_size
	sChunkSizeOtherwise  // chunk_size_otherwise
	sChunkExtensions     // chunk_extensions
	sChunkExtName        // chunk_extension_name
	sChunkExtValue       // chunk_extension_value
	sChunkExtQuoted      // chunk_extension_quoted_value
	sChunkExtQuotedPair  // chunk_extension_quoted_value_quoted_pair
	sChunkExtQuotedDone  // chunk_extension_quoted_value_done
	sChunkSizeAlmostDone // chunk_size_almost_done
	sChunkData           // chunk_data
	sChunkDataAlmostDone // chunk_data_almost_done
	sChunkDataCR         // chunk_data_almost_done after its CR
	sClosed              // closed: after a message that ends the connection
	sUpgraded            // stopped: the rest is another protocol
	sFailed              // stopped: a parse error
)
