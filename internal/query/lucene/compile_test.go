package lucene

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

type testResolver map[string]Column

func (r testResolver) Field(name string) (Column, error) {
	c, ok := r[name]
	if !ok {
		return Column{Kind: Dynamic, SQL: "json_extract_string(fields, ?)", Args: []any{`$."` + name + `"`}, List: "TRY_CAST(json_extract(fields, ?) AS VARCHAR[])"}, nil
	}
	return c, nil
}

func (r testResolver) FreeText() []Column { return []Column{r["message"], r["event.original"]} }

var resolver = testResolver{
	"user.name":      {Kind: Keyword, SQL: "user_name"},
	"event.category": {Kind: Keywords, SQL: "event_category"},
	"message":        {Kind: Text, SQL: "message", Words: "message_words"},
	"event.original": {Kind: Text, SQL: "raw"},
	"source.port":    {Kind: Int, SQL: "source_port"},
	"geo.lat":        {Kind: Float, SQL: "lat"},
	"source.ip":      {Kind: IP, SQL: "source_ip"},
	"@timestamp":     {Kind: Time, SQL: "ts"},
	"ok":             {Kind: Bool, SQL: "ok"},
}

func TestCompile(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		q    string
		sql  string
		args []any
	}{
		{"", "TRUE", nil},
		{"user.name:Root", "(lower(user_name) = ?)", []any{"root"}},
		{`user.name:"Root Admin"`, "(lower(user_name) = ?)", []any{"root admin"}},
		{"user.name:ro*t", `(user_name ILIKE ? ESCAPE '\')`, []any{"ro%t"}},
		{`user.name:a_b%*`, `(user_name ILIKE ? ESCAPE '\')`, []any{`a\_b\%%`}},
		{"user.name:[a TO m}", "(user_name >= ? AND user_name < ?)", []any{"a", "m"}},
		{"user.name:*", "(user_name IS NOT NULL)", nil},
		{"event.category:Network", "contains(lower(event_category), ?)", []any{"\x1fnetwork\x1f"}},
		{"event.category:net*", "regexp_matches(event_category, ?)", []any{"(?is)\x1fnet[^\x1f]*\x1f"}},
		{"NOT user.name:root", "NOT coalesce((lower(user_name) = ?), FALSE)", []any{"root"}},
		{"a OR b", "(((contains(message_words, ?)) OR (contains(lower(raw), ?) AND regexp_matches(raw, ?))) OR ((contains(message_words, ?)) OR (contains(lower(raw), ?) AND regexp_matches(raw, ?))))",
			[]any{"\x1fa\x1f", "a", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])a(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`, "\x1fb\x1f", "b", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])b(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{"message:Failed", "(contains(message_words, ?))", []any{"\x1ffailed\x1f"}},
		{"message:cmd.exe", "(contains(message_words, ?) AND contains(message_words, ?) AND regexp_matches(message, ?))", []any{"\x1fcmd\x1f", "\x1fexe\x1f", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])cmd\.exe(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:"failed  password"`, "(contains(message_words, ?) AND contains(message_words, ?) AND regexp_matches(message, ?))", []any{"\x1ffailed\x1f", "\x1fpassword\x1f", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])failed[^0-9A-Za-z_\x{80}-\x{10FFFF}]+password(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:"-enc"`, "(contains(message_words, ?) AND regexp_matches(message, ?))", []any{"\x1fenc\x1f", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])enc(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:\-enc`, "(contains(message_words, ?) AND regexp_matches(message, ?))", []any{"\x1fenc\x1f", `(?is)-enc(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:->`, "contains(lower(message), ?)", []any{"->"}},
		{`message:22`, "(contains(lower(message), ?) AND regexp_matches(message, ?))", []any{"22", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])22(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:"port 22"`, "(contains(message_words, ?) AND regexp_matches(message, ?))", []any{"\x1fport\x1f", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])port[^0-9A-Za-z_\x{80}-\x{10FFFF}]+22(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{`message:fail*`, "contains(message_words, ?)", []any{"\x1ffail"}},
		{`message:f?il*`, "regexp_matches(message_words, ?)", []any{"(?s)\x1ff[^\x1f]il[^\x1f]*\x1f"}},
		{`event.original:*.exe`, "(contains(lower(raw), ?) AND regexp_matches(raw, ?))", []any{".exe", `(?is)(?:^|[^0-9A-Za-z_\x{80}-\x{10FFFF}])[0-9A-Za-z_\x{80}-\x{10FFFF}]*\.exe(?:$|[^0-9A-Za-z_\x{80}-\x{10FFFF}])`}},
		{"source.port:22", "(source_port = ?)", []any{int64(22)}},
		{"source.port:[1 TO 1023]", "(source_port >= ? AND source_port <= ?)", []any{int64(1), int64(1023)}},
		{"source.port:>1023", "(source_port > ?)", []any{int64(1023)}},
		{"geo.lat:<=2.5", "(lat <= ?)", []any{2.5}},
		{"source.port:2*", `(CAST(source_port AS VARCHAR) LIKE ? ESCAPE '\')`, []any{"2%"}},
		{"source.ip:10.1.2.3", "(source_ip = ?)", []any{"10.1.2.3"}},
		{"source.ip:10.1.0.0/16", "(source_ip LIKE ? AND es_ip_key(source_ip) BETWEEN ? AND ?)",
			[]any{"10.1.%", ip16(10, 1, 0, 0), ip16(10, 1, 255, 255)}},
		{"source.ip:10.1.2.3/4", "(es_ip_key(source_ip) BETWEEN ? AND ?)", []any{ip16(0, 0, 0, 0), ip16(15, 255, 255, 255)}},
		{"source.ip:[10.0.0.1 TO 10.0.0.9}", "(es_ip_key(source_ip) >= ? AND es_ip_key(source_ip) < ?)", []any{ip16(10, 0, 0, 1), ip16(10, 0, 0, 9)}},
		{"source.ip:10.0.*", `(source_ip ILIKE ? ESCAPE '\')`, []any{"10.0.%"}},
		{"@timestamp:2026-11-20", "(ts >= ? AND ts < ?)", []any{day, day.AddDate(0, 0, 1)}},
		{"@timestamp:[2026-11-20 TO 2026-11-21]", "(ts >= ? AND ts < ?)", []any{day, day.AddDate(0, 0, 2)}},
		{"@timestamp:{2026-11-20 TO 2026-11-21}", "(ts >= ? AND ts < ?)", []any{day.AddDate(0, 0, 1), day.AddDate(0, 0, 1)}},
		{`@timestamp:>"2026-11-20T10:00:00+01:00"`, "(ts > ?)", []any{day.Add(9 * time.Hour)}},
		{"ok:TRUE", "(ok = ?)", []any{true}},
		{"http.method:Get", "(lower(json_extract_string(fields, ?)) = ? OR list_contains(list_transform(TRY_CAST(json_extract(fields, ?) AS VARCHAR[]), x -> lower(x)), ?))",
			[]any{`$."http.method"`, "get", `$."http.method"`, "get"}},
		{"http.status:[400 TO 499]", "(TRY_CAST(json_extract_string(fields, ?) AS DOUBLE) >= ? AND TRY_CAST(json_extract_string(fields, ?) AS DOUBLE) <= ?)",
			[]any{`$."http.status"`, 400.0, `$."http.status"`, 499.0}},
		{"event.category:[a TO c]", "(len(list_filter(string_split(trim(event_category, chr(31)), chr(31)), x -> x >= ? AND x <= ?)) > 0)", []any{"a", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			n, err := Parse(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(n, resolver)
			if err != nil {
				t.Fatal(err)
			}
			if f.SQL != tc.sql || !reflect.DeepEqual(f.Args, tc.args) {
				t.Fatalf("Compile(%q)\n got %s %#v\nwant %s %#v", tc.q, f.SQL, f.Args, tc.sql, tc.args)
			}
			if strings.Count(f.SQL, "?") != len(f.Args) {
				t.Fatalf("%d placeholders, %d args", strings.Count(f.SQL, "?"), len(f.Args))
			}
		})
	}
}

func ip16(a, b, c, d byte) []byte {
	return []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}
}

func TestCompileErrors(t *testing.T) {
	for _, q := range []string{
		"source.port:abc", "source.port:[1 TO x]", "source.ip:nope", "source.ip:10.0.0.0/99", "source.ip:[a TO b]",
		"@timestamp:yesterday", "ok:maybe", "ok:tr*", "@timestamp:2026*",
	} {
		n, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(n, resolver)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field == "" {
			t.Errorf("Compile(%q) = %v, want a *FieldError", q, err)
		}
	}
}

// TestCompileNeverPastesUserText: whatever the query, user text only
// travels as arguments.
func TestCompileNeverPastesUserText(t *testing.T) {
	for _, q := range []string{
		`user.name:"x' OR 1=1 --"`, `message:"'; DROP TABLE t; --"`, `x'y:z`, `"a';b"`, `user.name:*'*`,
	} {
		n, err := Parse(q)
		if err != nil {
			continue
		}
		f, err := Compile(n, resolver)
		if err != nil {
			continue
		}
		if strings.Contains(strings.ReplaceAll(f.SQL, `ESCAPE '\'`, ""), "'") && !strings.Contains(f.SQL, "chr(31)") {
			t.Errorf("Compile(%q) put a quote into SQL: %s", q, f.SQL)
		}
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"a", "user.name:x*", "source.ip:10.0.0.0/8", "source.port:[1 TO 2]", `"a b"`, "x.y:>=3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			return
		}
		frag, err := Compile(n, resolver)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Compile(%q): %v is not a *FieldError", q, err)
			}
			return
		}
		if got := strings.Count(frag.SQL, "?"); got != len(frag.Args) {
			t.Fatalf("Compile(%q): %d placeholders, %d args", q, got, len(frag.Args))
		}
	})
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"Failed password for root from 10.0.0.5 port 22": "failed password for root from 10 0 0 5 port 22",
		`C:\Windows\System32\cmd.exe /c WHOAMI`:          "c windows system32 cmd exe c whoami",
		"Ünïcode naïve_ÉTÉ ½":                            "ünïcode naïve_été ½",
		"--  ::":                                         "",
		"a\xffB":                                         "a\xffb",
		"東京-タワー":                                         "東京 タワー",
	} {
		if got := strings.Join(Words(in), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func ExampleCompile() {
	n, _ := Parse(`user.name:root AND NOT source.ip:10.0.0.0/8`)
	f, _ := Compile(n, resolver)
	fmt.Println(f.SQL)
	// Output: ((lower(user_name) = ?) AND NOT coalesce((source_ip LIKE ? AND es_ip_key(source_ip) BETWEEN ? AND ?), FALSE))
}
