package zzscratch

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func TestZZScratch(t *testing.T) {
	q := os.Getenv("ZZSQL")
	if q == "" {
		t.Skip()
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(q, ";;") {
		rows, err := db.Query(stmt)
		if err != nil {
			fmt.Println("ERR:", stmt, "=>", err)
			continue
		}
		cols, _ := rows.Columns()
		ct, _ := rows.ColumnTypes()
		for i := range ct {
			fmt.Printf("%s:%s ", cols[i], ct[i].DatabaseTypeName())
		}
		fmt.Println()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				fmt.Printf("%#v (%T) | ", v, v)
			}
			fmt.Println()
		}
		rows.Close()
	}
}
