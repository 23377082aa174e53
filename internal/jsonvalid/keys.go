package jsonvalid

import "strings"

// CheckKeys reports, with their JSON pointers, the object keys in data that
// are not a property name of their object's schema but equal one under
// Unicode case folding ("EVENT" or "ſtatus" for "status"). encoding/json
// matches names that way, so it would decode such a key into the
// property's Go field although the schema never checked its value: a
// payload with {"event": "job.progress", "EVENT": "x"} is valid, yet
// decodes with Event "x". data must be one syntactically valid JSON value.
func CheckKeys(s *Schema, data []byte, report func(pointer, message string)) {
	v := pool.Get().(*validator)
	defer pool.Put(v)
	v.reset(data)
	v.keysOnly(s)
	for _, x := range v.schema {
		report(x.pointer, x.message)
	}
}

// keysOnly walks the value at v.pos, checking only object keys.
func (v *validator) keysOnly(s *Schema) {
	v.skipSpace()
	switch v.data[v.pos] {
	case '{':
		v.pos++
		for v.next('}') {
			elem, key := v.key()
			var ps *Schema
			if s != nil {
				ps = v.checkKey(s, elem, string(key))
			}
			v.path = append(v.path, elem)
			v.keysOnly(ps)
			v.path = v.path[:len(v.path)-1]
		}
	case '[':
		v.pos++
		var items *Schema
		if s != nil {
			items = s.Items
		}
		for i := 0; v.next(']'); i++ {
			v.path = append(v.path, pathElem{index: i})
			v.keysOnly(items)
			v.path = v.path[:len(v.path)-1]
		}
	default:
		v.skip()
	}
}

// checkKey returns the schema of property key of s, or, for a key that is
// no property name but folds to one, reports it and returns nil.
func (v *validator) checkKey(s *Schema, elem pathElem, key string) *Schema {
	for _, p := range s.Properties {
		if p.Name == key {
			return p.Schema
		}
	}
	for _, p := range s.Properties {
		if strings.EqualFold(p.Name, key) {
			v.path = append(v.path, elem)
			v.fail("differs from property " + quote(p.Name) + " only in letter case")
			v.path = v.path[:len(v.path)-1]
			break
		}
	}
	return nil
}
