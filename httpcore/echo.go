package httpcore

// echo.go: the handler behind `simhttp serve --echo`.

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"unicode/utf8"
)

// EchoHandler answers every request with 200 and a JSON description of it:
// {"method","url","httpVersion","headers","rawHeaders","trailers",
// "bodyLength","bodySha256"}, byte for byte what JSON.stringify gives for
// the same fields of a Node request.
func EchoHandler(req *IncomingMessage, res *ServerResponse) {
	sum := sha256.New()
	n := 0
	req.Events.Data.On(func(p []byte) {
		sum.Write(p)
		n += len(p)
	})
	req.Events.End.On(func(struct{}) {
		body, err := echoJSON(req, n, sum)
		if err != nil {
			res.StatusCode = 500
			body = []byte(err.Error())
		} else if err := res.SetHeader("Content-Type", "application/json"); err != nil {
			res.Destroy(err)
			return
		}
		if err := res.End(body, nil); err != nil {
			res.Destroy(err)
		}
	})
}

func echoJSON(req *IncomingMessage, n int, sum hash.Hash) ([]byte, error) {
	headers, err := headersJSON(req.Headers())
	if err != nil {
		return nil, err
	}
	trailers, err := headersJSON(req.Trailers())
	if err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, 512), `{"method":`...)
	b = appendJSONLatin1(b, req.Method)
	b = append(b, `,"url":`...)
	b = appendJSONLatin1(b, req.URL)
	b = append(b, `,"httpVersion":`...)
	b = appendJSONLatin1(b, req.HTTPVersion)
	b = append(b, `,"headers":`...)
	b = append(b, headers...)
	b = append(b, `,"rawHeaders":[`...)
	for i, s := range req.RawHeaders {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONLatin1(b, s)
	}
	b = append(b, `],"trailers":`...)
	b = append(b, trailers...)
	b = append(b, `,"bodyLength":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"bodySha256":"`...)
	b = hex.AppendEncode(b, sum.Sum(nil))
	return append(b, `"}`...), nil
}

// headersJSON is JSON.stringify of a headers object; a message without
// trailers has an empty object.
func headersJSON(h Headers) ([]byte, error) {
	if h.Len() == 0 {
		return []byte("{}"), nil
	}
	return h.MarshalJSON()
}

// appendJSONLatin1 quotes s as JSON.stringify quotes the Latin-1 string Node
// makes of the same bytes: each byte is one character, so bytes from 0x80
// come out as the UTF-8 of U+0080..U+00FF.
func appendJSONLatin1(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c >= utf8.RuneSelf:
			b = utf8.AppendRune(b, rune(c))
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
