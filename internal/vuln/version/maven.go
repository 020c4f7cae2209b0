package version

import "strings"

// CompareMaven orders Maven versions the way Maven's ComparableVersion
// does: the string is split into numbers and qualifiers at ".", "-" and
// digit/letter boundaries, a "-" or a boundary opens a nested list, and
// trailing zeros and empty qualifiers are dropped (1.0 == 1 == 1-ga).
// Known qualifiers order alpha < beta < milestone < rc (= cr) < snapshot <
// "" (= ga, final, release) < sp; unknown ones come after, alphabetically;
// "a1", "b1", "m1" mean alpha-1, beta-1, milestone-1. Numbers sort after
// lists, lists after qualifiers.
//
// Maven's own order is not transitive (1.x.2 < 1-alpha < 1 < 1.x.2); this
// one is, by comparing items first by which side of "nothing" they and
// what follows them fall on (see compareMavenItem). It agrees with Maven
// on the orderings of Maven's own ComparableVersionTest.
func CompareMaven(a, b string) int {
	if a == b {
		return 0
	}
	return compareMavenList(parseMaven(a), parseMaven(b))
}

type mavenKind uint8

const (
	mavenString mavenKind = iota // ordered lowest among kinds
	mavenList
	mavenInt
)

type mavenItem struct {
	kind mavenKind
	num  string      // mavenInt: digits
	qual string      // mavenString: comparable form, see mavenQualifier
	list []mavenItem // mavenList
	band int8        // see computeBands
}

var mavenQualifiers = [...]string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

const mavenRelease = "5" // index of "" in mavenQualifiers

// mavenQualifier maps a qualifier to a string whose byte order is the
// qualifier order: known qualifiers to their index, unknown ones after.
func mavenQualifier(q string, followedByDigit bool) string {
	if followedByDigit && len(q) == 1 {
		switch q {
		case "a":
			q = "alpha"
		case "b":
			q = "beta"
		case "m":
			q = "milestone"
		}
	}
	switch q {
	case "ga", "final", "release":
		q = ""
	case "cr":
		q = "rc"
	}
	for i, k := range mavenQualifiers {
		if q == k {
			return string(rune('0' + i))
		}
	}
	return "7-" + q
}

func mavenParseItem(digit bool, s string) mavenItem {
	if digit {
		return mavenItem{kind: mavenInt, num: strings.TrimLeft(s, "0")}
	}
	return mavenItem{kind: mavenString, qual: mavenQualifier(s, false)}
}

// parseMaven builds the item tree. The stack holds pointers into parent
// slices; that is safe because items are only ever appended to the
// innermost list, so a parent never grows once it holds a child list.
func parseMaven(v string) []mavenItem {
	v = strings.ToLower(strings.TrimSpace(v))
	root := &mavenItem{kind: mavenList}
	stack := []*mavenItem{root}
	cur := root
	push := func() {
		cur.list = append(cur.list, mavenItem{kind: mavenList})
		cur = &cur.list[len(cur.list)-1]
		stack = append(stack, cur)
	}
	digit := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				cur.list = append(cur.list, mavenItem{kind: mavenInt})
			} else {
				cur.list = append(cur.list, mavenParseItem(digit, v[start:i]))
			}
			start = i + 1
			if c == '-' {
				push()
			}
		case isDigit(c):
			if !digit && i > start {
				cur.list = append(cur.list, mavenItem{kind: mavenString, qual: mavenQualifier(v[start:i], true)})
				start = i
				push()
			}
			digit = true
		default:
			if digit && i > start {
				cur.list = append(cur.list, mavenParseItem(true, v[start:i]))
				start = i
				push()
			}
			digit = false
		}
	}
	if len(v) > start {
		cur.list = append(cur.list, mavenParseItem(digit, v[start:]))
	}
	// Normalise innermost lists first, as Maven pops its stack.
	for k := len(stack) - 1; k >= 0; k-- {
		stack[k].normalize()
	}
	computeBands(root.list)
	return root.list
}

func (it *mavenItem) isNull() bool {
	switch it.kind {
	case mavenInt:
		return it.num == ""
	case mavenString:
		return it.qual == mavenRelease
	}
	return len(it.list) == 0
}

// normalize drops trailing null items, walking back over nested lists.
func (it *mavenItem) normalize() {
	for i := len(it.list) - 1; i >= 0; i-- {
		last := &it.list[i]
		if last.isNull() {
			it.list = append(it.list[:i], it.list[i+1:]...)
		} else if last.kind != mavenList {
			break
		}
	}
}

// computeBands sets each item's band: how the list from that item on
// compares with the end of the list (-1 below, 0 equal, +1 above). A
// number above zero, a qualifier other than the release one and a list
// carry their own band; a zero, a release qualifier or an empty list takes
// the band of what follows it. It returns the band of the whole list.
func computeBands(list []mavenItem) int8 {
	var rest int8
	for i := len(list) - 1; i >= 0; i-- {
		it := &list[i]
		var b int8
		switch it.kind {
		case mavenInt:
			if it.num != "" {
				b = 1
			}
		case mavenString:
			b = int8(strings.Compare(it.qual, mavenRelease))
		case mavenList:
			b = computeBands(it.list)
		}
		if b == 0 {
			b = rest
		}
		it.band = b
		rest = b
	}
	return rest
}

// compareMavenItem orders items by band, then kind (qualifier < list <
// number), then value. Maven ranks kinds outright, which is not transitive
// once "nothing" (0, "", ga, the end of a list) enters: in Maven 1.x.2 <
// 1-alpha < 1 < 1.x.2. Ranking first by band keeps the order total and
// agrees with Maven on every ordering in its own test suite.
func compareMavenItem(a, b *mavenItem) int {
	if a.band != b.band {
		return sign(int(a.band) - int(b.band))
	}
	if a.band == 0 {
		return 0 // both amount to nothing
	}
	if a.kind != b.kind {
		return sign(int(a.kind) - int(b.kind))
	}
	switch a.kind {
	case mavenInt:
		return compareDigits(a.num, b.num)
	case mavenString:
		return strings.Compare(a.qual, b.qual)
	}
	return compareMavenList(a.list, b.list)
}

// compareMavenList compares lexicographically; the end of the shorter list
// compares with the other's next item by that item's band.
func compareMavenList(a, b []mavenItem) int {
	for k := 0; k < len(a) || k < len(b); k++ {
		var c int
		switch {
		case k >= len(a):
			c = -int(b[k].band)
		case k >= len(b):
			c = int(a[k].band)
		default:
			c = compareMavenItem(&a[k], &b[k])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
