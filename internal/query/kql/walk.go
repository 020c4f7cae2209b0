package kql

import "reflect"

// Walk calls fn for n and, while fn returns true, for every node below
// it, depth first in source order.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || isNilNode(n) || !fn(n) {
		return
	}
	walkChildren(n, func(child any) {
		if c, ok := child.(Node); ok {
			Walk(c, fn)
		}
	})
}

var nodeType = reflect.TypeOf((*Node)(nil)).Elem()

func isNilNode(n Node) bool {
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// walkChildren calls fn for each node directly below n: the fields of
// its struct that hold nodes, or slices of them.
func walkChildren(n any, fn func(any)) {
	v := reflect.ValueOf(n)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		switch f.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !f.IsNil() && f.Type().Implements(nodeType) || f.Kind() == reflect.Interface && !f.IsNil() {
				if x, ok := f.Interface().(Node); ok && !isNilNode(x) {
					fn(x)
				}
			}
		case reflect.Slice:
			for j := 0; j < f.Len(); j++ {
				e := f.Index(j)
				if e.Kind() == reflect.Struct && e.CanAddr() {
					if x, ok := e.Addr().Interface().(Node); ok {
						fn(x)
					}
					continue
				}
				if (e.Kind() == reflect.Pointer || e.Kind() == reflect.Interface) && !e.IsNil() {
					if x, ok := e.Interface().(Node); ok {
						fn(x)
					}
				}
			}
		}
	}
}
