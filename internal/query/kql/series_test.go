package kql

import (
	"encoding/json"
	"math"
	"sort"
	"testing"
)

// edgeArgs are awkward arguments every Go function must survive: no
// panic, and a result that encodes as JSON.
var edgeArgs = [][]any{
	{},
	{nil},
	{[]any{}},
	{[]any{nil, "x", map[string]any{"a": int64(1)}, true}},
	{[]any{int64(1)}},
	{[]any{1.0, 2.0, 3.0}, nil, nil, nil, nil, nil, nil},
	{[]any{1.0, 2.0, math.MaxFloat64, -math.MaxFloat64}, []any{0.0}, []any{0.0, 0.0}, int64(-5), "none", int64(99), "x", 2.0},
	{[]any{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 1.5, int64(3), "linefit", int64(8), "tukey", 0.6},
	{"<a><b x='1'>t</b><b/></a>"},
	{[]any{5.0, 3.0}, int64(7)},
}

func TestGoFuncsEdgeCases(t *testing.T) {
	var names []string
	for n := range goFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, args := range edgeArgs {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s%v panicked: %v", n, args, p)
					}
				}()
				padded := append(append([]any{}, args...), make([]any, 8)...)[:max(len(args), 1)]
				out, err := goFuncs[n](padded)
				if err != nil {
					return
				}
				if _, err := json.Marshal(out); err != nil {
					t.Errorf("%s%v: result does not encode: %v", n, args, err)
				}
			}()
		}
	}
}

func TestSeriesTooLong(t *testing.T) {
	long := make([]any, maxSeriesLen+1)
	if _, err := seriesStats([]any{long}); err == nil {
		t.Error("a series over the length limit was accepted")
	}
}

func TestDetectPeriod(t *testing.T) {
	var x []float64
	for i := 0; i < 96; i++ {
		x = append(x, float64(i%24)+0.1*float64(i))
	}
	if p, _ := detectPeriod(x, len(x), 0.6); p != 24 {
		t.Errorf("period %d, want 24", p)
	}
	flat := make([]float64, 50)
	if p, _ := detectPeriod(flat, len(flat), 0.6); p != 0 {
		t.Errorf("a constant series has period %d, want none", p)
	}
}

func FuzzGoFuncs(f *testing.F) {
	f.Add(`[[1,2,3,null,"x"],1.5,-1,"linefit",0,"ctukey",0.6]`)
	f.Add(`[[0,4,0,-4,0,4,0,-4],2,8,1]`)
	f.Add(`["<r a=\"1\"><x>1</x><x>2</x></r>"]`)
	f.Fuzz(func(t *testing.T, text string) {
		v, err := decodeJSON([]byte(text))
		if err != nil {
			return
		}
		args, ok := v.([]any)
		if !ok || len(args) == 0 {
			return
		}
		if a, ok := args[0].([]any); ok && len(a) > 2000 {
			return
		}
		for n, fn := range goFuncs {
			out, err := fn(args)
			if err != nil {
				continue
			}
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("%s: result does not encode: %v", n, err)
			}
		}
	})
}

func FuzzParseXML(f *testing.F) {
	f.Add(`<?xml version="1.0"?><root><note importance="high"><to>Tove</to></note></root>`)
	f.Add(`<DataItem><EventData><Data Name="a">1</Data><Data Name="b"/></EventData></DataItem>`)
	f.Add(`<a><b></a>`)
	f.Fuzz(func(t *testing.T, s string) {
		out, err := parseXML([]any{s})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
	})
}

func TestSeriesWorkIsBounded(t *testing.T) {
	long := make([]any, maxSeriesLen)
	for i := range long {
		long[i] = float64(i % 24)
	}
	if _, err := seriesFIR([]any{long, long}); err == nil {
		t.Error("a filter as long as the series was accepted")
	}
	// Seasonality detection on the longest series finishes (the lags are
	// capped), and finds the period.
	x := floats(long)
	if p, _ := detectPeriod(x, len(x), 0.6); p != 24 {
		t.Errorf("period %d, want 24", p)
	}
}
