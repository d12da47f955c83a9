package decode

import "github.com/gopacket/gopacket"

// NewMapDecoder returns a Decoder with gopacket's default containers (a
// map per parser), for checking that the faster ones decode the same.
func NewMapDecoder() *Decoder {
	return newDecoder(func() gopacket.DecodingLayerContainer {
		return gopacket.DecodingLayerMap(make(map[gopacket.LayerType]gopacket.DecodingLayer))
	})
}
