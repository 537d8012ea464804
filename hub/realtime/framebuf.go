// The bytes of the frames a session's writer writes are held in a pooled
// buffer while the frame is in flight and written with one write, so that
// an idle socket keeps no write buffer (docs/BENCHMARKS.md "Idle
// websockets").

package realtime

import (
	"context"
	"net"
	"sync"
)

// frameBufferSize is the bufio.Writer coder/websocket writes through: a
// control frame (at most 2+125 bytes) fits, so a pong or a close frame is
// one write to the socket; the frames the writer sends pass through it
// into a frameWriter's held buffer.
const frameBufferSize = 128

// maxPooledFrame is the largest buffer kept in framePool; a larger frame's
// is left to the garbage collector.
const maxPooledFrame = 64 << 10

var framePool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

// frameWriter is the writer under the websocket's small bufio.Writer. While
// held, it appends what it is given to a buffer from framePool; release
// writes that buffer to the socket with one write and gives it back.
// Otherwise it writes through (the 101, pongs, close frames). Its mutex
// orders every byte in the order of the Write calls, whichever goroutine
// makes them (coder/websocket writes pongs on the reader, pings on the ping
// goroutine), so a control frame written while the writer's frame is held
// goes out after it, in one piece. Every test that reads frames reads them
// through it; that a frame leaves in one write is not asserted.
type frameWriter struct {
	conn net.Conn
	mu   sync.Mutex
	held bool
	buf  *[]byte
}

func (w *frameWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.held {
		return w.conn.Write(p)
	}
	if w.buf == nil {
		w.buf = framePool.Get().(*[]byte)
	}
	*w.buf = append(*w.buf, p...)
	return len(p), nil
}

// size is how many bytes are held.
func (w *frameWriter) size() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf == nil {
		return 0
	}
	return len(*w.buf)
}

// hold starts holding what is written.
func (w *frameWriter) hold() {
	w.mu.Lock()
	w.held = true
	w.mu.Unlock()
}

// release stops holding and, when send is set, writes what was held to the
// socket; a write still running when ctx ends is aborted by closing the
// socket, as coder/websocket aborts its own writes. What was held is
// dropped otherwise (the frame failed: the socket is going).
func (w *frameWriter) release(ctx context.Context, send bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held = false
	b := w.buf
	if b == nil {
		return nil
	}
	w.buf = nil
	var err error
	if send && len(*b) > 0 {
		stop := context.AfterFunc(ctx, func() { _ = w.conn.Close() })
		_, err = w.conn.Write(*b)
		if !stop() && err != nil {
			err = context.Cause(ctx)
		}
	}
	if cap(*b) <= maxPooledFrame {
		*b = (*b)[:0]
		framePool.Put(b)
	}
	return err
}
