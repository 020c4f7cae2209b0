package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// decodeJSON strictly decodes the request body into dst: unknown fields,
// wrong types, trailing data and oversized bodies are all 4xx errors that
// name the problem.
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Msg: "send the body as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("request body is larger than %d bytes", maxBytes)}
		}
		return badRequest("invalid_json", "", "cannot read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("invalid_json", "", "request body is empty: send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(body, err)
	}
	if dec.More() {
		return badRequest("invalid_json", "", "request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("invalid_json", "", "request body has data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a 400 that says where and what.
func jsonError(body []byte, err error) *HTTPError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(body, se.Offset)
		return badRequest("invalid_json", "", "malformed JSON at line %d, column %d: %s", line, col, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid_json", "", "malformed JSON: the body ends too early")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badRequest("invalid_type", "", "the body must be a JSON object, not %s", te.Value)
		}
		return badRequest("invalid_type", field, "%s must be %s, not %s", field, typeName(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("unknown_field", name, "unknown field %q", name)
	}
	return badRequest("invalid_json", "", "malformed JSON: %v", err)
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of another type"
	default:
		return "a number"
	}
}

// position converts a byte offset into a 1-based line and column.
func position(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
