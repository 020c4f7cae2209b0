package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestQueryParamsDeclared reads the package's source: every query
// parameter a route's handler reads (directly or through the package's
// helpers) must be declared on the route, since undeclared ones are
// refused (checkQueryParams) and would be missing from the OpenAPI
// document.
func TestQueryParamsDeclared(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]*ast.FuncDecl{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				funcs[fd.Name.Name] = append(funcs[fd.Name.Name], fd)
			}
		}
	}
	s := New(Options{})
	checked := 0
	for _, rt := range s.routes {
		name := runtime.FuncForPC(reflect.ValueOf(rt.Handle).Pointer()).Name()
		name = strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "-fm")
		if funcs[name] == nil {
			// A closure built in the route table: nothing to read.
			continue
		}
		checked++
		read := map[string]bool{}
		// authenticate reads ?token= only on routes that declare
		// TokenInQuery; bulkFilter reads a JSON body's filter with the
		// list's query reader (alertFilter), not the request's query.
		paramsRead(funcs, name, map[string]bool{"authenticate": true, "bulkFilter": true}, read)
		declared := map[string]bool{}
		for _, p := range rt.Query {
			declared[p.Name] = true
			declared[queryAliases[p.Name]] = true
		}
		if rt.TokenInQuery {
			declared["token"] = true
		}
		var missing []string
		for p := range read {
			if !declared[p] {
				missing = append(missing, p)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			t.Errorf("%s %s (%s) reads query parameters it does not declare: %s", rt.Method, rt.Path, name, strings.Join(missing, ", "))
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d handlers: the source reading is broken", checked)
	}
}

// paramsRead adds the query parameters fn reads, following the calls to
// the package's own functions.
func paramsRead(funcs map[string][]*ast.FuncDecl, fn string, seen, read map[string]bool) {
	if seen[fn] {
		return
	}
	seen[fn] = true
	for _, fd := range funcs[fn] {
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			lit := func(i int) {
				if i < len(call.Args) {
					if bl, ok := call.Args[i].(*ast.BasicLit); ok && bl.Kind == token.STRING {
						if v, err := strconv.Unquote(bl.Value); err == nil {
							read[v] = true
						}
					}
				}
			}
			switch f := call.Fun.(type) {
			case *ast.SelectorExpr:
				if (f.Sel.Name == "Get" || f.Sel.Name == "Has") && isQueryValues(f.X) {
					lit(0)
				}
				paramsRead(funcs, f.Sel.Name, seen, read)
			case *ast.Ident:
				switch f.Name {
				case "queryInt", "queryTime":
					lit(1)
				case "searchText":
					read["q"], read["query"] = true, true
				}
				paramsRead(funcs, f.Name, seen, read)
			}
			return true
		})
	}
}

// isQueryValues: q, qv, or X.Query() (the url.Values of a request).
func isQueryValues(x ast.Expr) bool {
	switch v := x.(type) {
	case *ast.Ident:
		return v.Name == "q" || v.Name == "qv"
	case *ast.CallExpr:
		sel, ok := v.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Query"
	}
	return false
}

func TestUnknownQueryParameterRefused(t *testing.T) {
	s := New(Options{})
	rt := route{Method: "GET", Path: "/api/v1/alerts", Query: []queryParam{{"status", "string", ""}, {"severity", "string", ""}, {"q", "string", ""}, {"limit", "integer", ""}}}
	for _, c := range []struct {
		query, want string
	}{
		{"severity=high&q=x&query=y&size=5&limit=2", ""},
		{"serverity=high", `unknown query parameter "serverity" (did you mean "severity"?): GET /api/v1/alerts takes status, severity, q, limit`},
		{"b=1&a=2", `unknown query parameters "a", "b": GET /api/v1/alerts takes status, severity, q, limit`},
	} {
		err := checkQueryParams(rt, mustQuery(t, c.query))
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.query, err)
			}
			continue
		}
		if err == nil || err.Msg != c.want {
			t.Errorf("%s: got %v, want %s", c.query, err, c.want)
		}
	}
	// None declared, and a WebSocket's token.
	if err := checkQueryParams(route{Method: "GET", Path: "/x"}, mustQuery(t, "a=1")); err == nil || !strings.HasSuffix(err.Msg, "GET /x takes none") {
		t.Errorf("got %v", err)
	}
	if err := checkQueryParams(route{Method: "GET", Path: "/ws", TokenInQuery: true}, mustQuery(t, "token=t")); err != nil {
		t.Errorf("token refused: %v", err)
	}
	// Through the server: 400 naming the parameter, after authentication.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/alerts?serverity=high", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("unauthenticated: %d %s", rec.Code, rec.Body)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
