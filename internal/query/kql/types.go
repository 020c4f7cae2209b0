package kql

// Type is a KQL scalar type.
type Type uint8

// The KQL scalar types. TypeUnknown is for values whose type cannot be
// known before running (null in some places); it converts to anything.
const (
	TypeUnknown Type = iota
	TypeBool
	TypeInt
	TypeLong
	TypeReal
	TypeDecimal
	TypeString
	TypeDatetime
	TypeTimespan
	TypeDynamic
	TypeGuid
)

var typeNames = [...]string{"unknown", "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "dynamic", "guid"}

// String returns the KQL name of the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// ParseType returns the type a KQL type name stands for (string, long,
// int, real/double, bool/boolean, datetime/date, timespan/time, dynamic,
// guid, decimal).
func ParseType(name string) (Type, bool) {
	canon, ok := scalarTypes[name]
	if !ok {
		return TypeUnknown, false
	}
	for i, n := range typeNames {
		if n == canon {
			return Type(i), true
		}
	}
	return TypeUnknown, false
}

func (t Type) numeric() bool {
	return t == TypeInt || t == TypeLong || t == TypeReal || t == TypeDecimal
}

func (t Type) integer() bool { return t == TypeInt || t == TypeLong }

// orderable types compare with < and >.
func (t Type) orderable() bool {
	return t.numeric() || t == TypeString || t == TypeDatetime || t == TypeTimespan || t == TypeBool || t == TypeGuid
}

// promote returns the common numeric type of a and b: int < long < real.
func promote(a, b Type) Type {
	switch {
	case a == TypeReal || b == TypeReal || a == TypeDecimal || b == TypeDecimal:
		return TypeReal
	case a == TypeLong || b == TypeLong:
		return TypeLong
	case a == TypeUnknown:
		return b
	case b == TypeUnknown:
		return a
	}
	return TypeInt
}
