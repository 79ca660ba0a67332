package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// noBody are the post and put routes that read no request body.
var noBody = map[string]bool{
	"post /api/v1/incidents/{id}/drafts/{draft}/submit": true,
	"post /api/v1/incidents/{id}/drafts/{draft}/assist": true,
}

// propsOf is the properties of a schema, by name.
func propsOf(t *testing.T, where string, schema any) map[string]any {
	t.Helper()
	s, _ := schema.(map[string]any)
	props, _ := s["properties"].(map[string]any)
	if s["type"] != "object" || len(props) == 0 {
		t.Fatalf("%s: schema without properties: %v", where, schema)
	}
	return props
}

// snakeProps lists the property names of schema, at any depth, that are
// not snake_case.
func snakeProps(path string, schema any, out *[]string) {
	s, _ := schema.(map[string]any)
	props, _ := s["properties"].(map[string]any)
	for k, p := range props {
		if !snakeKey.MatchString(k) {
			*out = append(*out, path+"."+k)
		}
		snakeProps(path+"."+k, p, out)
	}
	if items, ok := s["items"]; ok {
		snakeProps(path+"[]", items, out)
	}
	if more, ok := s["additionalProperties"]; ok {
		snakeProps(path+".*", more, out)
	}
}

// The OpenAPI document describes each request body from the Go type its
// handler decodes: every post and put route that reads a body has a JSON
// schema with its real fields, snake_case; the routes without a body (and
// the GET and DELETE routes) have none; the policy upload documents the
// multipart form with its file as well.
func TestOpenAPIRequestBodies(t *testing.T) {
	srv, _ := newAPI(t)
	code, _, raw := getRaw(t, srv.URL+"/api/v1/openapi.json")
	if code != 200 || !json.Valid([]byte(raw)) {
		t.Fatalf("openapi.json: %d, valid JSON %v", code, json.Valid([]byte(raw)))
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi.json: %v %q", err, doc.OpenAPI)
	}
	schemas := map[string]any{} // "post /path" → its JSON schema
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := method + " " + path
			body, has := op["requestBody"].(map[string]any)
			if (method != "post" && method != "put") || noBody[key] {
				if has {
					t.Errorf("%s reads no body but documents one: %v", key, body)
				}
				continue
			}
			if !has {
				t.Errorf("%s: no requestBody", key)
				continue
			}
			content, _ := body["content"].(map[string]any)
			jsonBody, _ := content["application/json"].(map[string]any)
			schema := jsonBody["schema"]
			propsOf(t, key, schema)
			var bad []string
			snakeProps(key, schema, &bad)
			for _, b := range bad {
				t.Errorf("request field %s is not snake_case", b)
			}
			schemas[key] = schema
		}
	}
	for key := range noBody {
		method, path, _ := strings.Cut(key, " ")
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("noBody names %s, not a route", key)
		}
	}

	// The grade: its real fields, both required.
	grade := schemas["post /api/v1/incidents/{id}/grade"].(map[string]any)
	props := propsOf(t, "grade", grade)
	if len(props) != 2 || props["grade"].(map[string]any)["type"] != "integer" || props["reason"].(map[string]any)["type"] != "string" {
		t.Errorf("grade body: %v", props)
	}
	if req := toStrings(grade["required"]); !slices.Equal(req, []string{"grade", "reason"}) {
		t.Errorf("grade requires %v", req)
	}
	// Assign: the units, objects of their own.
	props = propsOf(t, "assign", schemas["post /api/v1/incidents/{id}/assign"])
	units := props["units"].(map[string]any)
	if units["type"] != "array" || propsOf(t, "assign units", units["items"])["kind"] == nil || props["lead"] == nil {
		t.Errorf("assign body: %v", props)
	}
	// Times are date-time strings, embedded structs flattened.
	for key, field := range map[string]string{
		"post /api/v1/incidents/{id}/snooze":              "until",
		"post /api/v1/incidents/{id}/publish":             "at",
		"post /api/v1/incidents/{id}/conference/schedule": "at",
		"post /api/v1/workorders":                         "received_at",
		"post /api/v1/incidents":                          "detected_at",
	} {
		p := propsOf(t, key, schemas[key])[field].(map[string]any)
		if p["type"] != "string" || p["format"] != "date-time" {
			t.Errorf("%s %s: %v", key, field, p)
		}
	}
	if props := propsOf(t, "receive", schemas["post /api/v1/workorders"]); props["id"] == nil || props["category"] == nil {
		t.Errorf("work order body: %v", props)
	}
	// The path names the draft and the fact, not the body.
	for _, key := range []string{"put /api/v1/incidents/{id}/drafts/{draft}", "post /api/v1/incidents/{id}/facts/{fact}/verify", "post /api/v1/incidents/{id}/drafts/{draft}/publish"} {
		props := propsOf(t, key, schemas[key])
		if props["draft"] != nil || props["fact"] != nil || props["Draft"] != nil {
			t.Errorf("%s: the path's field in the body: %v", key, props)
		}
	}
	// The upload: JSON, or a multipart form with the draft as file.
	assess := doc.Paths["/api/v1/policies/assess"]["post"]["requestBody"].(map[string]any)["content"].(map[string]any)
	form := propsOf(t, "assess form", assess["multipart/form-data"].(map[string]any)["schema"])
	if f := form["file"].(map[string]any); f["type"] != "string" || f["format"] != "binary" || form["title"] == nil || form["release_at"] == nil {
		t.Errorf("assess form: %v", form)
	}
	if js := propsOf(t, "assess", assess["application/json"].(map[string]any)["schema"]); js["text"] == nil || js["file"] != nil {
		t.Errorf("assess JSON: %v", js)
	}
}

// schemaOf reads a Go type as encoding/json does.
func TestSchemaOf(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B int64  `json:"b"`
	}
	type node struct {
		Name string `json:"name"`
		Next *node  `json:"next"`
	}
	type body struct {
		inner
		B       string             `json:"b"` // hides inner's
		When    time.Time          `json:"when" openapi:"required"`
		Maybe   *float64           `json:"maybe"`
		Tags    []string           `json:"tags"`
		Counts  map[string]int     `json:"counts"`
		Raw     []byte             `json:"raw"`
		Tree    node               `json:"tree"`
		Any     any                `json:"any"`
		Skip    string             `json:"-"`
		Plain   bool               // no tag: its Go name
		private string             // unexported: not decoded
		Nested  map[string][]inner `json:"nested"`
	}
	got := schemaOf(reflect.TypeFor[body](), nil)
	props := got["properties"].(map[string]any)
	var names []string
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	if want := []string{"Plain", "a", "any", "b", "counts", "maybe", "nested", "raw", "tags", "tree", "when"}; !slices.Equal(names, want) {
		t.Fatalf("properties %v, want %v", names, want)
	}
	is := func(name string, want map[string]any) {
		t.Helper()
		b, _ := json.Marshal(props[name])
		w, _ := json.Marshal(want)
		if string(b) != string(w) {
			t.Errorf("%s: %s, want %s", name, b, w)
		}
	}
	is("b", map[string]any{"type": "string"})
	is("when", map[string]any{"type": "string", "format": "date-time"})
	is("maybe", map[string]any{"type": "number", "nullable": true})
	is("tags", map[string]any{"type": "array", "items": map[string]any{"type": "string"}})
	is("counts", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer", "format": "int32"}})
	is("raw", map[string]any{"type": "string", "format": "byte"})
	is("any", map[string]any{})
	is("Plain", map[string]any{"type": "boolean"})
	is("tree", map[string]any{"type": "object", "properties": map[string]any{
		"name": map[string]any{"type": "string"},
		"next": map[string]any{"type": "object", "nullable": true}, // recursive: stops
	}})
	is("nested", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "array", "items": map[string]any{
		"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}, "b": map[string]any{"type": "integer", "format": "int64"}}}}})
	if req := got["required"]; !reflect.DeepEqual(req, []string{"when"}) {
		t.Errorf("required %v", req)
	}
}
