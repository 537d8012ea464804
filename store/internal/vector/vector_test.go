package vector

import (
	"math"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	v := []float32{0, 1, -1.5, math.MaxFloat32, float32(math.Inf(-1)), 1e-30}
	b := Encode(v)
	if len(b) != 4*len(v) {
		t.Fatalf("%d bytes for %d dimensions", len(b), len(v))
	}
	if b[4] != 0x00 || b[7] != 0x3f { // 1.0 is 0x3f800000, little-endian
		t.Errorf("1.0 encoded as % x, want 00 00 80 3f", b[4:8])
	}
	got, err := Decode(b, len(v))
	if err != nil || !slices.Equal(got, v) {
		t.Errorf("Decode = %v, %v; want %v", got, err, v)
	}
	if _, err := Decode(b, len(v)+1); err == nil {
		t.Error("Decode with the wrong dimensions did not fail")
	}
	if _, err := Decode(b[:5], 1); err == nil {
		t.Error("Decode of a cut vector did not fail")
	}
}
