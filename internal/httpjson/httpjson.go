// Package httpjson writes the JSON answers of yuqing's HTTP handlers, so
// every endpoint sends the same headers and encoding.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write answers with status and v as JSON. The headers are Content-Type
// "application/json; charset=utf-8" and Cache-Control "no-store" (answers
// carry per-user or per-request state: no browser or proxy may keep them).
// The body is v as encoding/json marshals it, with <, > and & escaped
// (\u003c …) and a trailing newline. A v that cannot be marshalled leaves
// the body empty: the status is already sent, so the error is dropped; v
// should be plain data. Write must be the handler's last write to w.
func Write(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write is the client gone: nothing to tell it
}

// Error answers with status and {"error": msg}, as Write does.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, errorBody{msg})
}

type errorBody struct {
	Error string `json:"error"`
}
