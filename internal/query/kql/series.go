package kql

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// The series_* functions work on dynamic arrays of numbers (make-series'
// output). SQL has no good way to fit a line or decompose a series, so
// they run in Go: the dialect calls them through one engine function
// (DuckDB: the kql_go UDF, registered by RegisterDuckDB) with every
// argument as JSON text, and they return JSON.
//
// Elements that are not numbers (null, strings, bags) are missing values:
// they are skipped by statistics, filled by the series_fill_* functions
// and give null in element-wise arithmetic, as in Kusto.

// goFunc computes a function from its decoded JSON arguments (nil, bool,
// int64, float64, string, []any, map[string]any) and returns a value
// that encodes as JSON.
type goFunc func(args []any) (any, error)

// multiOut is one column of a function that returns several
// (series_stats, series_fit_line, series_decompose...): the key in the
// JSON object the Go function returns, and the column's type.
type multiOut struct {
	key string
	t   Type
}

// goFuncs are the functions that run in Go.
var goFuncs = map[string]goFunc{
	"series_stats":               seriesStats,
	"series_stats_dynamic":       seriesStats,
	"series_fit_line":            seriesFitLine,
	"series_fit_line_dynamic":    seriesFitLine,
	"series_fill_forward":        seriesFillForward,
	"series_fill_backward":       seriesFillBackward,
	"series_fill_const":          seriesFillConst,
	"series_fill_linear":         seriesFillLinear,
	"series_add":                 elementwise(func(a, b float64) any { return a + b }),
	"series_subtract":            elementwise(func(a, b float64) any { return a - b }),
	"series_multiply":            elementwise(func(a, b float64) any { return a * b }),
	"series_divide":              elementwise(seriesDiv),
	"series_greater":             elementwise(func(a, b float64) any { return a > b }),
	"series_greater_equals":      elementwise(func(a, b float64) any { return a >= b }),
	"series_less":                elementwise(func(a, b float64) any { return a < b }),
	"series_less_equals":         elementwise(func(a, b float64) any { return a <= b }),
	"series_equals":              elementwise(func(a, b float64) any { return a == b }),
	"series_not_equals":          elementwise(func(a, b float64) any { return a != b }),
	"series_fir":                 seriesFIR,
	"series_iir":                 seriesIIR,
	"series_outliers":            seriesOutliers,
	"series_decompose":           seriesDecompose,
	"series_decompose_anomalies": seriesDecomposeAnomalies,
	"series_periods_detect":      seriesPeriodsDetect,
	"parse_xml":                  parseXML,
}

// multiOutputs lists the columns of the functions that return several;
// extend and project give each its own column.
var multiOutputs = map[string][]multiOut{
	"series_stats": {{"min", TypeReal}, {"min_idx", TypeLong}, {"max", TypeReal}, {"max_idx", TypeLong},
		{"avg", TypeReal}, {"stdev", TypeReal}, {"variance", TypeReal}},
	"series_fit_line": {{"rsquare", TypeReal}, {"slope", TypeReal}, {"variance", TypeReal}, {"rvariance", TypeReal},
		{"interception", TypeReal}, {"line_fit", TypeDynamic}},
	"series_decompose":           {{"baseline", TypeDynamic}, {"seasonal", TypeDynamic}, {"trend", TypeDynamic}, {"residual", TypeDynamic}},
	"series_decompose_anomalies": {{"ad_flag", TypeDynamic}, {"ad_score", TypeDynamic}, {"baseline", TypeDynamic}},
	"series_periods_detect":      {{"periods", TypeDynamic}, {"scores", TypeDynamic}},
}

// maxSeriesLen bounds the arrays the series functions accept (a series
// of a million points is a query mistake, and some of the work is
// quadratic in the length).
const maxSeriesLen = 100_000

// maxPeriodWork bounds the multiplications of one seasonality detection
// (series length times lags tried), and maxFilterWork those of one
// series_fir or series_iir (series length times filter length): a call
// stays well under a second.
const (
	maxPeriodWork = 50_000_000
	maxFilterWork = 50_000_000
)

// num returns v as a number; ok is false for missing values.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		if math.IsNaN(x) {
			return 0, false
		}
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// series returns argument i as an array, nil for null or a non-array.
func series(args []any, i int) ([]any, error) {
	if i >= len(args) {
		return nil, nil
	}
	a, _ := args[i].([]any)
	if len(a) > maxSeriesLen {
		return nil, fmt.Errorf("series of %d elements is longer than %d", len(a), maxSeriesLen)
	}
	return a, nil
}

// floats converts a series: missing values are NaN.
func floats(a []any) []float64 {
	out := make([]float64, len(a))
	for i, v := range a {
		if f, ok := num(v); ok {
			out[i] = f
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// jsonNum is a number for a JSON result: NaN and infinities are null.
func jsonNum(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func jsonNums(fs []float64) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = jsonNum(f)
	}
	return out
}

// argFloat is argument i as a number, or def when absent or null.
func argFloat(args []any, i int, def float64) float64 {
	if i < len(args) {
		if f, ok := num(args[i]); ok {
			return f
		}
	}
	return def
}

func argString(args []any, i int, def string) string {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s
		}
	}
	return def
}

func argBool(args []any, i int, def bool) bool {
	if i < len(args) {
		if b, ok := args[i].(bool); ok {
			return b
		}
	}
	return def
}

// missing reports whether v is a missing value of a series whose
// missing-value placeholder is ph (nil: null and non-numbers).
func missing(v, ph any) bool {
	if ph == nil {
		_, ok := num(v)
		return !ok
	}
	a, ok1 := num(v)
	b, ok2 := num(ph)
	return ok1 && ok2 && a == b
}

// --- statistics ---

func seriesStats(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil {
		return nil, err
	}
	var ignore any
	if len(args) > 1 {
		ignore = args[1]
	}
	out := map[string]any{"min": nil, "min_idx": nil, "max": nil, "max_idx": nil, "avg": nil, "stdev": nil, "variance": nil}
	var vals []float64
	minI, maxI := -1, -1
	var minV, maxV float64
	for i, v := range a {
		f, ok := num(v)
		if !ok || ignore != nil && missing(v, ignore) {
			continue
		}
		if minI < 0 || f < minV {
			minI, minV = i, f
		}
		if maxI < 0 || f > maxV {
			maxI, maxV = i, f
		}
		vals = append(vals, f)
	}
	if len(vals) == 0 {
		return out, nil
	}
	out["min"], out["min_idx"], out["max"], out["max_idx"] = minV, int64(minI), maxV, int64(maxI)
	mean := 0.0
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	out["avg"] = jsonNum(mean)
	if len(vals) > 1 {
		ss := 0.0
		for _, v := range vals {
			ss += (v - mean) * (v - mean)
		}
		variance := ss / float64(len(vals)-1)
		out["variance"], out["stdev"] = jsonNum(variance), jsonNum(math.Sqrt(variance))
	} else {
		out["variance"], out["stdev"] = 0.0, 0.0
	}
	return out, nil
}

// fitLine is the least-squares line through (i+1, y[i]) for the points
// that are not missing (Kusto numbers the x axis from 1).
type fitLine struct {
	slope, intercept, rsquare, variance, rvariance float64
	ok                                             bool
}

func fit(y []float64, n int) fitLine {
	var sx, sy, sxx, sxy float64
	cnt := 0
	for i := 0; i < n && i < len(y); i++ {
		if math.IsNaN(y[i]) {
			continue
		}
		x := float64(i + 1)
		sx += x
		sy += y[i]
		sxx += x * x
		sxy += x * y[i]
		cnt++
	}
	if cnt == 0 {
		return fitLine{}
	}
	k := float64(cnt)
	f := fitLine{ok: true}
	den := k*sxx - sx*sx
	if den != 0 {
		f.slope = (k*sxy - sx*sy) / den
	}
	f.intercept = (sy - f.slope*sx) / k
	mean := sy / k
	var ssTot, ssRes float64
	for i := 0; i < n && i < len(y); i++ {
		if math.IsNaN(y[i]) {
			continue
		}
		d := y[i] - mean
		r := y[i] - (f.slope*float64(i+1) + f.intercept)
		ssTot += d * d
		ssRes += r * r
	}
	if cnt > 1 {
		f.variance = ssTot / (k - 1)
		f.rvariance = ssRes / (k - 1)
	}
	if ssTot > 0 {
		f.rsquare = 1 - ssRes/ssTot
	} else {
		f.rsquare = 1
	}
	return f
}

func seriesFitLine(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil {
		return nil, err
	}
	y := floats(a)
	f := fit(y, len(y))
	if !f.ok {
		return map[string]any{"rsquare": nil, "slope": nil, "variance": nil, "rvariance": nil, "interception": nil, "line_fit": []any{}}, nil
	}
	line := make([]float64, len(y))
	for i := range line {
		line[i] = f.slope*float64(i+1) + f.intercept
	}
	return map[string]any{"rsquare": jsonNum(f.rsquare), "slope": jsonNum(f.slope), "variance": jsonNum(f.variance),
		"rvariance": jsonNum(f.rvariance), "interception": jsonNum(f.intercept), "line_fit": jsonNums(line)}, nil
}

// --- filling ---

func placeholder(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func seriesFillForward(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	ph := placeholder(args, 1)
	out := make([]any, len(a))
	var last any
	have := false
	for i, v := range a {
		if missing(v, ph) {
			if have {
				out[i] = last
			} else {
				out[i] = v
			}
			continue
		}
		out[i], last, have = v, v, true
	}
	return out, nil
}

func seriesFillBackward(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	ph := placeholder(args, 1)
	out := make([]any, len(a))
	var next any
	have := false
	for i := len(a) - 1; i >= 0; i-- {
		v := a[i]
		if missing(v, ph) {
			if have {
				out[i] = next
			} else {
				out[i] = v
			}
			continue
		}
		out[i], next, have = v, v, true
	}
	return out, nil
}

func seriesFillConst(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	var c any
	if len(args) > 1 {
		c = args[1]
	}
	ph := placeholder(args, 2)
	out := make([]any, len(a))
	for i, v := range a {
		if missing(v, ph) {
			out[i] = c
		} else {
			out[i] = v
		}
	}
	return out, nil
}

// seriesFillLinear interpolates missing values between known ones; with
// fill_edges (the default) the edges take the nearest known value, and a
// series with no known value takes constant_value (default 0).
func seriesFillLinear(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	ph := placeholder(args, 1)
	edges := argBool(args, 2, true)
	constant := placeholder(args, 3)
	if constant == nil {
		constant = int64(0)
	}
	out := make([]any, len(a))
	copy(out, a)
	var known []int
	for i, v := range a {
		if !missing(v, ph) {
			known = append(known, i)
		}
	}
	if len(known) == 0 {
		for i := range out {
			out[i] = constant
		}
		return out, nil
	}
	for k := 0; k+1 < len(known); k++ {
		lo, hi := known[k], known[k+1]
		if hi-lo < 2 {
			continue
		}
		y0, _ := num(a[lo])
		y1, _ := num(a[hi])
		for i := lo + 1; i < hi; i++ {
			out[i] = y0 + (y1-y0)*float64(i-lo)/float64(hi-lo)
		}
	}
	if edges {
		for i := 0; i < known[0]; i++ {
			out[i] = a[known[0]]
		}
		for i := known[len(known)-1] + 1; i < len(a); i++ {
			out[i] = a[known[len(known)-1]]
		}
	}
	return out, nil
}

// --- element-wise ---

func seriesDiv(a, b float64) any {
	if b == 0 {
		return nil
	}
	return a / b
}

// elementwise applies op to two series element by element, or to a
// series and a number; the result is as long as the longer series, and
// missing values give null.
func elementwise(op func(a, b float64) any) goFunc {
	return func(args []any) (any, error) {
		if len(args) != 2 {
			return nil, fmt.Errorf("takes two arguments")
		}
		at := func(x any, i int) (float64, bool) {
			if arr, ok := x.([]any); ok {
				if i >= len(arr) {
					return 0, false
				}
				return num(arr[i])
			}
			return num(x)
		}
		n := -1
		for _, x := range args {
			if arr, ok := x.([]any); ok {
				n = max(n, len(arr))
			}
		}
		if n < 0 {
			return nil, nil
		}
		if n > maxSeriesLen {
			return nil, fmt.Errorf("series of %d elements is longer than %d", n, maxSeriesLen)
		}
		out := make([]any, n)
		for i := range out {
			x, ok1 := at(args[0], i)
			y, ok2 := at(args[1], i)
			if ok1 && ok2 {
				r := op(x, y)
				if f, ok := r.(float64); ok {
					r = jsonNum(f)
				}
				out[i] = r
			}
		}
		return out, nil
	}
}

// --- filters ---

// seriesFIR applies a finite impulse response filter: y[i] = sum over j
// of filter[j] * x[i-j] (x is 0 before the start); with normalize (the
// default) the filter is divided by its sum, and with center the window
// is centred on i instead of ending at it.
func seriesFIR(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	fa, err := series(args, 1)
	if err != nil {
		return nil, err
	}
	if len(fa) == 0 {
		return nil, fmt.Errorf("series_fir needs a non-empty filter")
	}
	if len(a)*len(fa) > maxFilterWork {
		return nil, fmt.Errorf("series of %d points with a filter of %d is too much work (limit %d)", len(a), len(fa), maxFilterWork)
	}
	filter := floats(fa)
	for _, f := range filter {
		if math.IsNaN(f) {
			return nil, fmt.Errorf("series_fir needs a filter of numbers")
		}
	}
	if argBool(args, 2, true) {
		sum := 0.0
		for _, f := range filter {
			sum += f
		}
		if sum != 0 {
			for j := range filter {
				filter[j] /= sum
			}
		}
	}
	shift := 0
	if argBool(args, 3, false) {
		shift = len(filter) / 2
	}
	x := floats(a)
	out := make([]float64, len(x))
	for i := range x {
		s := 0.0
		for j, f := range filter {
			k := i + shift - j
			if k < 0 || k >= len(x) || math.IsNaN(x[k]) {
				continue
			}
			s += f * x[k]
		}
		out[i] = s
	}
	return jsonNums(out), nil
}

// seriesIIR applies an infinite impulse response filter:
// a[0]*y[i] = sum_j b[j]*x[i-j] - sum_{j>=1} a[j]*y[i-j].
func seriesIIR(args []any) (any, error) {
	xa, err := series(args, 0)
	if err != nil || xa == nil {
		return nil, err
	}
	ba, err := series(args, 1)
	if err != nil {
		return nil, err
	}
	aa, err := series(args, 2)
	if err != nil {
		return nil, err
	}
	if len(xa)*(len(ba)+len(aa)) > maxFilterWork {
		return nil, fmt.Errorf("series of %d points with filters of %d and %d is too much work (limit %d)", len(xa), len(ba), len(aa), maxFilterWork)
	}
	b, den := floats(ba), floats(aa)
	if len(b) == 0 || len(den) == 0 || den[0] == 0 || math.IsNaN(den[0]) {
		return nil, fmt.Errorf("series_iir needs numerators and denominators whose first element is not 0")
	}
	x := floats(xa)
	y := make([]float64, len(x))
	for i := range x {
		s := 0.0
		for j, c := range b {
			if i-j >= 0 && !math.IsNaN(x[i-j]) {
				s += c * x[i-j]
			}
		}
		for j := 1; j < len(den); j++ {
			if i-j >= 0 && !math.IsNaN(y[i-j]) {
				s -= den[j] * y[i-j]
			}
		}
		y[i] = s / den[0]
	}
	return jsonNums(y), nil
}

// --- outliers ---

// percentile is the p-th percentile (0-100) of sorted values, linearly
// interpolated between the closest ranks.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	r := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(r))
	hi := int(math.Ceil(r))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(r-float64(lo))
}

// tukeyScores scores each value by how far it lies outside the
// [pLo, pHi] percentile range of the learning values, in units of that
// range: (x - P_hi) / (P_hi - P_lo) above it, (x - P_lo) / (P_hi - P_lo)
// below it, 0 inside. A score above 1.5 is Tukey's "outlier" fence.
func tukeyScores(x []float64, learn int, pLo, pHi float64) []float64 {
	var vals []float64
	for i := 0; i < learn && i < len(x); i++ {
		if !math.IsNaN(x[i]) {
			vals = append(vals, x[i])
		}
	}
	sort.Float64s(vals)
	out := make([]float64, len(x))
	if len(vals) == 0 {
		return out
	}
	lo, hi := percentile(vals, pLo), percentile(vals, pHi)
	iqr := hi - lo
	for i, v := range x {
		switch {
		case math.IsNaN(v):
		case v > hi:
			out[i] = score(v-hi, iqr)
		case v < lo:
			out[i] = score(v-lo, iqr)
		}
	}
	return out
}

func score(d, iqr float64) float64 {
	if iqr == 0 {
		// A constant series: any departure is an outlier of unbounded
		// score; keep it finite so that it survives JSON.
		if d > 0 {
			return math.MaxFloat32
		}
		return -math.MaxFloat32
	}
	return d / iqr
}

func outlierRange(kind string, lo, hi float64) (float64, float64, error) {
	switch strings.ToLower(kind) {
	case "tukey":
		return 25, 75, nil
	case "ctukey", "":
		if lo < 2 || hi > 98 || lo >= hi {
			return 0, 0, fmt.Errorf("percentiles must be in [2, 98] and the minimum below the maximum")
		}
		return lo, hi, nil
	}
	return 0, 0, fmt.Errorf("unknown outlier kind %q (tukey or ctukey)", kind)
}

func seriesOutliers(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil || a == nil {
		return nil, err
	}
	lo, hi, err := outlierRange(argString(args, 1, "ctukey"), argFloat(args, 3, 10), argFloat(args, 4, 90))
	if err != nil {
		return nil, err
	}
	x := floats(a)
	if len(args) > 2 {
		if ign, ok := num(args[2]); ok {
			for i := range x {
				if x[i] == ign {
					x[i] = math.NaN()
				}
			}
		}
	}
	return jsonNums(tukeyScores(x, len(x), lo, hi)), nil
}

// --- decomposition ---

// decomposition is series_decompose's result.
type decomposition struct {
	baseline, seasonal, trend, residual []float64
}

// decompose splits x into seasonal, trend and residual components, as
// series_decompose documents: the seasonal component is the median of
// the points of each phase of the period, the trend is fitted to the
// series with the seasonal component removed (avg: its mean; linefit: a
// least-squares line; none: 0), baseline = seasonal + trend and residual
// = x - baseline. Only the first len(x)-testPoints points are learnt
// from; the components extend over the test points.
func decompose(x []float64, period int, trend string, testPoints int) (decomposition, error) {
	n := len(x)
	learn := n - testPoints
	if testPoints < 0 || learn < 0 {
		return decomposition{}, fmt.Errorf("test_points must be between 0 and the series length")
	}
	d := decomposition{baseline: make([]float64, n), seasonal: make([]float64, n), trend: make([]float64, n), residual: make([]float64, n)}
	if period > 0 && period < learn {
		phase := make([][]float64, period)
		for i := 0; i < learn; i++ {
			if !math.IsNaN(x[i]) {
				phase[i%period] = append(phase[i%period], x[i])
			}
		}
		med := make([]float64, period)
		for p, vs := range phase {
			med[p] = median(vs)
		}
		for i := range d.seasonal {
			d.seasonal[i] = med[i%period]
		}
	}
	des := make([]float64, n)
	for i := range x {
		des[i] = x[i] - d.seasonal[i]
	}
	switch strings.ToLower(trend) {
	case "avg", "":
		s, k := 0.0, 0
		for i := 0; i < learn; i++ {
			if !math.IsNaN(des[i]) {
				s += des[i]
				k++
			}
		}
		if k > 0 {
			for i := range d.trend {
				d.trend[i] = s / float64(k)
			}
		}
	case "linefit":
		f := fit(des, learn)
		for i := range d.trend {
			d.trend[i] = f.slope*float64(i+1) + f.intercept
		}
	case "none":
	default:
		return decomposition{}, fmt.Errorf("unknown trend %q (avg, linefit or none)", trend)
	}
	for i := range x {
		d.baseline[i] = d.seasonal[i] + d.trend[i]
		d.residual[i] = x[i] - d.baseline[i]
	}
	return d, nil
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// detectPeriod is the seasonality that "auto" (-1) finds. Kusto uses
// series_periods_detect; this engine uses a simpler documented rule: the
// lag p in [2, learn/2] with the highest autocorrelation of the series
// (its linear trend removed), among the lags where the autocorrelation
// has a local maximum, if that autocorrelation reaches threshold
// (default 0.6); otherwise no seasonality.
func detectPeriod(x []float64, learn int, threshold float64) (int, float64) {
	ps, ss := periods(x, learn, 1)
	if len(ps) == 0 || ss[0] < threshold {
		return 0, 0
	}
	return ps[0], ss[0]
}

// periods returns up to max lags by decreasing autocorrelation, with
// their autocorrelations (see detectPeriod).
func periods(x []float64, learn, maxN int) ([]int, []float64) {
	if learn > len(x) {
		learn = len(x)
	}
	f := fit(x, learn)
	r := make([]float64, learn)
	for i := range r {
		if math.IsNaN(x[i]) {
			r[i] = 0
		} else {
			r[i] = x[i] - (f.slope*float64(i+1) + f.intercept)
		}
	}
	var energy float64
	for _, v := range r {
		energy += v * v
	}
	if energy == 0 || learn < 4 {
		return nil, nil
	}
	// Lags are tried up to half the series, or fewer on long series so
	// that the work stays under maxPeriodWork multiplications.
	maxLag := min(learn/2, maxPeriodWork/learn)
	acf := make([]float64, maxLag+2)
	for p := 1; p < len(acf) && p < learn; p++ {
		s := 0.0
		for i := 0; i+p < learn; i++ {
			s += r[i] * r[i+p]
		}
		// Scale for the number of overlapping pairs so that long lags are
		// not penalised for being long.
		acf[p] = s / energy * float64(learn) / float64(learn-p)
	}
	type cand struct {
		p int
		s float64
	}
	var cs []cand
	for p := 2; p <= maxLag && p+1 < len(acf); p++ {
		if acf[p] > acf[p-1] && acf[p] >= acf[p+1] && acf[p] > 0 {
			cs = append(cs, cand{p, math.Min(acf[p], 1)})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].s > cs[j].s })
	var ps []int
	var ss []float64
	for _, c := range cs {
		if len(ps) == maxN {
			break
		}
		ps, ss = append(ps, c.p), append(ss, c.s)
	}
	return ps, ss
}

// decomposeSeries decomposes x with series_decompose's arguments:
// seasonality (-1: detect it, 0: none, or a period in points), trend,
// test_points and the seasonality threshold of the detection.
func decomposeSeries(x []float64, seasonality int, trend string, testPoints int, threshold float64) (decomposition, error) {
	if testPoints < 0 || testPoints > len(x) {
		return decomposition{}, fmt.Errorf("test_points must be between 0 and the series length")
	}
	period := seasonality
	if seasonality < 0 {
		period, _ = detectPeriod(x, len(x)-testPoints, threshold)
	}
	return decompose(x, period, trend, testPoints)
}

func seriesDecompose(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return map[string]any{"baseline": nil, "seasonal": nil, "trend": nil, "residual": nil}, nil
	}
	d, err := decomposeSeries(floats(a), int(argFloat(args, 1, -1)), argString(args, 2, "avg"), int(argFloat(args, 3, 0)), argFloat(args, 4, 0.6))
	if err != nil {
		return nil, err
	}
	return map[string]any{"baseline": jsonNums(d.baseline), "seasonal": jsonNums(d.seasonal), "trend": jsonNums(d.trend),
		"residual": jsonNums(d.residual)}, nil
}

// seriesDecomposeAnomalies decomposes the series and scores its residual
// with series_outliers' test (ad_method ctukey, the default: the 10th-90th
// percentile range; tukey: 25th-75th), learnt from the points before
// the test points; ad_flag is +1 / -1 where the score is above threshold
// / below -threshold (default 1.5), else 0.
func seriesDecomposeAnomalies(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return map[string]any{"ad_flag": nil, "ad_score": nil, "baseline": nil}, nil
	}
	threshold := argFloat(args, 1, 1.5)
	x := floats(a)
	testPoints := int(argFloat(args, 4, 0))
	d, err := decomposeSeries(x, int(argFloat(args, 2, -1)), argString(args, 3, "avg"), testPoints, argFloat(args, 6, 0.6))
	if err != nil {
		return nil, err
	}
	lo, hi, err := outlierRange(argString(args, 5, "ctukey"), 10, 90)
	if err != nil {
		return nil, err
	}
	scores := tukeyScores(d.residual, len(x)-testPoints, lo, hi)
	flags := make([]any, len(x))
	for i, s := range scores {
		switch {
		case s > threshold:
			flags[i] = int64(1)
		case s < -threshold:
			flags[i] = int64(-1)
		default:
			flags[i] = int64(0)
		}
	}
	return map[string]any{"ad_flag": flags, "ad_score": jsonNums(scores), "baseline": jsonNums(d.baseline)}, nil
}

// seriesPeriodsDetect(series, min_period, max_period, num_periods): the
// lags with the highest autocorrelation (the rule detectPeriod uses),
// within [min_period, max_period]; scores are the autocorrelations.
func seriesPeriodsDetect(args []any) (any, error) {
	a, err := series(args, 0)
	if err != nil {
		return nil, err
	}
	minP, maxP := argFloat(args, 1, 2), argFloat(args, 2, float64(len(a)/2))
	k := int(argFloat(args, 3, 1))
	if k < 1 {
		return nil, fmt.Errorf("num_periods must be at least 1")
	}
	x := floats(a)
	ps, ss := periods(x, len(x), len(x))
	outP, outS := []any{}, []any{}
	for i, p := range ps {
		if float64(p) < minP || float64(p) > maxP {
			continue
		}
		if len(outP) == k {
			break
		}
		outP, outS = append(outP, float64(p)), append(outS, ss[i])
	}
	for len(outP) < k {
		outP, outS = append(outP, 0.0), append(outS, 0.0)
	}
	return map[string]any{"periods": outP, "scores": outS}, nil
}

// registerGoFuncs adds the functions that run in Go to the function
// table: their arguments and result types.
func registerGoFuncs(m map[string]fnSpec) {
	m["series_stats"] = sigN(1, 2, TypeDynamic, kDyn, kReal)
	m["series_stats_dynamic"] = m["series_stats"]
	m["series_fit_line"] = sig(TypeDynamic, kDyn)
	m["series_fit_line_dynamic"] = m["series_fit_line"]
	m["series_fill_forward"] = sigN(1, 2, TypeDynamic, kDyn, kAny)
	m["series_fill_backward"] = m["series_fill_forward"]
	m["series_fill_const"] = sigN(2, 3, TypeDynamic, kDyn, kAny, kAny)
	m["series_fill_linear"] = sigN(1, 4, TypeDynamic, kDyn, kAny, kBool, kAny)
	for _, n := range []string{"series_add", "series_subtract", "series_multiply", "series_divide", "series_greater",
		"series_greater_equals", "series_less", "series_less_equals", "series_equals", "series_not_equals"} {
		m[n] = sig(TypeDynamic, kAny, kAny)
	}
	m["series_fir"] = sigN(2, 4, TypeDynamic, kDyn, kDyn, kBool, kBool)
	m["series_iir"] = sig(TypeDynamic, kDyn, kDyn, kDyn)
	m["series_outliers"] = withChoices(sigN(1, 5, TypeDynamic, kDyn, kStr, kReal, kReal, kReal), map[int][]string{1: {"tukey", "ctukey"}})
	m["series_decompose"] = withChoices(sigN(1, 5, TypeDynamic, kDyn, kLong, kStr, kLong, kReal), map[int][]string{2: {"avg", "linefit", "none"}})
	m["series_decompose_anomalies"] = withChoices(sigN(1, 7, TypeDynamic, kDyn, kReal, kLong, kStr, kLong, kStr, kReal),
		map[int][]string{3: {"avg", "linefit", "none"}, 5: {"tukey", "ctukey"}})
	m["series_periods_detect"] = sig(TypeDynamic, kDyn, kReal, kReal, kLong)
	m["parse_xml"] = sig(TypeDynamic, kStr)
	// Trigonometry (SQL), which series examples use to make signals.
	for _, n := range []string{"sin", "cos", "tan", "asin", "acos", "atan", "cot", "degrees", "radians"} {
		m[n] = sig(TypeReal, kReal)
	}
	m["atan2"] = sig(TypeReal, kReal, kReal)
	m["pi"] = sig(TypeReal)
}

// withChoices makes a spec check constant string arguments against the
// values they may take, so that a typo is a compile error naming the
// argument rather than a failure when the query runs.
func withChoices(s fnSpec, choices map[int][]string) fnSpec {
	check := s.check
	s.check = func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		out, t, err := check(c, n, name, args)
		if err != nil {
			return nil, 0, err
		}
		for i, allowed := range choices {
			if i >= len(out) || !out[i].konst {
				continue
			}
			v, _ := out[i].val.(string)
			ok := false
			for _, a := range allowed {
				ok = ok || strings.EqualFold(v, a)
			}
			if !ok {
				return nil, 0, c.errf(n, "argument %d of %s must be one of %s, not %q", i+1, name, strings.Join(allowed, ", "), v)
			}
		}
		return out, t, nil
	}
	return s
}
