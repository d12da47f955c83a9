package decode

import "github.com/gopacket/gopacket"

// NewMapDecoder returns a Decoder that gives every frame to gopacket,
// with its default containers (a map per parser), for checking that the
// fast path and the faster containers decode the same.
func NewMapDecoder() *Decoder {
	d := newDecoder(func() gopacket.DecodingLayerContainer {
		return gopacket.DecodingLayerMap(make(map[gopacket.LayerType]gopacket.DecodingLayer))
	})
	d.slowOnly = true
	return d
}
