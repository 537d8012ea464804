// Package vector encodes embedding vectors (hub.KnowledgeEmbedding.Vector)
// the way both stores keep them: little-endian float32s, 4 bytes a
// dimension, so that a BLOB written by SQLite and a bytea written by
// Postgres hold the same bytes.
package vector

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode returns v's bytes.
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// Decode reads a vector of dims dimensions from b; it fails when b does not
// hold exactly that many.
func Decode(b []byte, dims int) ([]float32, error) {
	if dims < 0 || len(b) != 4*dims {
		return nil, fmt.Errorf("vector: %d bytes for %d dimensions", len(b), dims)
	}
	v := make([]float32, dims)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
