package kql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Column is a column of a table, as queries see it.
type Column struct {
	Name string
	Type Type
	Doc  string
}

// SQL is SQL text written by EventSec, never by a query's author, with
// the values of its '?' placeholders in the order they appear. Quoted
// strings in Text may contain '?'; they are not placeholders.
type SQL struct {
	Text string
	Args []any
	// Rows, when a source knows it, is how many rows reading it scans
	// (Compiled.Scans reports it).
	Rows int64
}

// Hint is what a query is known to need from a table, so that its source
// reads no more: the time range that the query's predicates on the
// table's TimeColumn allow. Bounds are inclusive; zero means unbounded.
// The query still applies its own predicates: a source may return more
// rows than the hint allows, never fewer.
type Hint struct {
	From, To time.Time
	// Terms are text conditions that every row the query needs meets
	// (all of them), from where predicates such as message has "sshd":
	// a source with a word index may leave out the rows it proves fail
	// one.
	Terms []TermHint
}

// TermHint says that the rows a query needs have, in the table's column
// Column, lowercased, at least one of Any (lowercased) as a substring.
// has, contains, startswith, endswith, hasprefix, hassuffix, has_any,
// has_all and their _cs forms with constant strings imply it: every one
// of them, as compiled, holds only where lower(x) contains lower(term).
// Any holds no empty string.
type TermHint struct {
	Column string
	Any    []string
}

// narrow intersects h with [from, to] (zero values are unbounded).
func (h *Hint) narrow(from, to time.Time) {
	if !from.IsZero() && (h.From.IsZero() || from.After(h.From)) {
		h.From = from
	}
	if !to.IsZero() && (h.To.IsZero() || to.Before(h.To)) {
		h.To = to
	}
}

// TableDef describes a table queries may read.
type TableDef struct {
	Name    string
	Doc     string
	Columns []Column
	// TimeColumn is the datetime column whose predicates become the
	// Hint's time range ("" for none).
	TimeColumn string
	// Source returns the relation to read for a hint: a table name or a
	// parenthesized SELECT, usable after FROM, whose columns are named
	// after Columns (standard "double-quoted" names).
	Source func(Hint) (SQL, error)

	// sqlNames, when set (views), are the names of the source's columns,
	// one per column: views name them _c0, _c1, ... so that KQL names
	// differing only in case do not collide in SQL.
	sqlNames []string
}

// column returns the named column.
func (t *TableDef) column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Catalog gives the tables a query may name.
type Catalog interface {
	Table(name string) (*TableDef, bool)
}

// TableLister is implemented by catalogs that can list their tables, for
// "did you mean" suggestions.
type TableLister interface {
	TableNames() []string
}

// Tables is a Catalog over a fixed set of tables, by name (names are
// case-sensitive, as in Kusto).
type Tables map[string]*TableDef

var (
	_ Catalog     = Tables(nil)
	_ TableLister = Tables(nil)
)

// Table implements Catalog.
func (ts Tables) Table(name string) (*TableDef, bool) {
	t, ok := ts[name]
	return t, ok
}

// TableNames implements TableLister.
func (ts Tables) TableNames() []string {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Add adds a table, refusing duplicates and malformed definitions.
func (ts Tables) Add(t *TableDef) error {
	if _, dup := ts[t.Name]; dup {
		return fmt.Errorf("cannot add table %s: already defined", t.Name)
	}
	if err := t.validate(); err != nil {
		return err
	}
	ts[t.Name] = t
	return nil
}

func (t *TableDef) validate() error {
	if t.Name == "" || t.Source == nil {
		return fmt.Errorf("cannot add table %q: name and source are required", t.Name)
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if c.Name == "" || c.Type == TypeUnknown {
			return fmt.Errorf("cannot add table %s: column %q has no name or type", t.Name, c.Name)
		}
		// Case-insensitive: SQL engines fold identifier case (views rename
		// their columns, so only exact duplicates matter there).
		key := strings.ToLower(c.Name)
		if t.sqlNames != nil {
			key = c.Name
		}
		if seen[key] {
			return fmt.Errorf("cannot add table %s: duplicate column %s", t.Name, c.Name)
		}
		seen[key] = true
	}
	if t.TimeColumn != "" {
		c, ok := t.column(t.TimeColumn)
		if !ok || c.Type != TypeDatetime {
			return fmt.Errorf("cannot add table %s: time column %s is not a datetime column", t.Name, t.TimeColumn)
		}
	}
	return nil
}

// View declares a table as columns computed from a base relation: the
// way Sentinel-style tables (SecurityEvent, Syslog, ...) are laid over
// the event store. Every Expr is SQL written by EventSec over the base's
// columns.
type View struct {
	Name string
	Doc  string
	// Base returns the rows the view reads (a relation usable after FROM),
	// given the hint; the hint's range applies to the view's TimeColumn,
	// which should be the base's time.
	Base func(Hint) (SQL, error)
	// Where is an optional SQL predicate over the base's columns: which
	// base rows belong to the view.
	Where      string
	Columns    []ViewColumn
	TimeColumn string
}

// ViewColumn is one column of a view.
type ViewColumn struct {
	Name string
	Type Type
	Expr string // SQL over the base's columns
	Doc  string
}

// Table turns the view into a table definition. String and guid columns
// read as "" where the base has NULL: KQL strings are never null.
func (v *View) Table() (*TableDef, error) {
	t := &TableDef{Name: v.Name, Doc: v.Doc, TimeColumn: v.TimeColumn}
	var sel strings.Builder
	sel.WriteString("(SELECT ")
	for i, c := range v.Columns {
		if c.Expr == "" {
			return nil, fmt.Errorf("cannot define view %s: column %s has no expression", v.Name, c.Name)
		}
		t.Columns = append(t.Columns, Column{Name: c.Name, Type: c.Type, Doc: c.Doc})
		if i > 0 {
			sel.WriteString(", ")
		}
		expr := "(" + c.Expr + ")"
		if c.Type == TypeString || c.Type == TypeGuid {
			expr = "coalesce(CAST(" + c.Expr + " AS VARCHAR), '')"
		}
		alias := "_c" + strconv.Itoa(i)
		t.sqlNames = append(t.sqlNames, alias)
		sel.WriteString(expr + " AS " + alias)
	}
	prefix := sel.String()
	where := v.Where
	t.Source = func(h Hint) (SQL, error) {
		base, err := v.Base(h)
		if err != nil {
			return SQL{}, err
		}
		text := prefix + " FROM " + base.Text + " AS _base"
		if where != "" {
			text += " WHERE " + where
		}
		return SQL{Text: text + ")", Args: base.Args, Rows: base.Rows}, nil
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// quoteStd quotes an identifier the standard way: "name", with " doubled.
func quoteStd(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
