package report

import "strconv"

// Connections and partial connections are numbered apart, so an id alone
// is ambiguous. A key tells them apart: a connection's id, or minus the id
// of a partial connection; 0 is none. Views and selectors index by it.

// Key is the connection's key.
func (c *Connection) Key() int { return key(c.ID, 0, c.Partial) }

// Label names the connection as people read it: "3", or "p3" for a
// partial connection.
func (c *Connection) Label() string { return KeyLabel(c.Key()) }

// Key is the key of the connection the finding is about.
func (f *Finding) Key() int { return key(f.Connection, f.Partial, false) }

// Key is the key of the event's connection.
func (e *Event) Key() int { return key(e.Connection, e.Partial, false) }

// KeyLabel names a key: "3" for connection 3, "p3" for partial
// connection 3.
func KeyLabel(k int) string {
	if k < 0 {
		return "p" + strconv.Itoa(-k)
	}
	return strconv.Itoa(k)
}

func key(conn, partial int, isPartial bool) int {
	switch {
	case partial > 0:
		return -partial
	case isPartial:
		return -conn
	}
	return conn
}
