package event

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// refNested is Nested as it was first written (strings.Split per key).
func refNested(f Fields) map[string]any {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{}
	for _, k := range keys {
		parts := strings.Split(k, ".")
		m := out
		ok := true
		for _, p := range parts[:len(parts)-1] {
			next, exists := m[p]
			if !exists {
				child := map[string]any{}
				m[p] = child
				m = child
				continue
			}
			child, isMap := next.(map[string]any)
			if !isMap {
				ok = false
				break
			}
			m = child
		}
		if !ok {
			out[k] = f[k]
			continue
		}
		last := parts[len(parts)-1]
		if _, clash := m[last].(map[string]any); clash {
			out[k] = f[k]
			continue
		}
		m[last] = f[k]
	}
	return out
}

func TestNestedSameAsSplit(t *testing.T) {
	parts := []string{"a", "b", "c", "", "event", "source"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		f := Fields{}
		for range 1 + r.IntN(8) {
			n := 1 + r.IntN(4)
			ks := make([]string, n)
			for i := range ks {
				ks[i] = parts[r.IntN(len(parts))]
			}
			f[strings.Join(ks, ".")] = int64(r.IntN(10))
		}
		if got, want := f.Nested(), refNested(f); !reflect.DeepEqual(got, want) {
			t.Fatalf("Nested(%v) = %v, want %v", f, got, want)
		}
	}
}
