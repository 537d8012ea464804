package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// Bundle is a built frontend embedded in the binary (the widget's, the
// dashboard's): its files by name below the bundle's directory, each
// gzipped and hashed once, and the manifest that maps logical names
// ("app.js") to hashed files.
type Bundle struct {
	Files    map[string]*File
	Manifest map[string]string
}

// File is one file of a bundle.
type File struct {
	Body        []byte
	gz          []byte
	contentType string
	etag        string
}

// GzipSize is the file's size as served gzipped (best compression), for
// size budgets.
func (f *File) GzipSize() int { return len(f.gz) }

// ReadBundle reads dir of fsys. It fails unless manifest.json exists and
// names only files that do; what says the bundle's name in errors.
func ReadBundle(what string, fsys fs.FS, dir string) (*Bundle, error) {
	b := &Bundle{Files: map[string]*File{}}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		f, err := newFile(p, body)
		if err != nil {
			return err
		}
		b.Files[strings.TrimPrefix(p, dir+"/")] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: read embedded bundle: %w", what, err)
	}
	m, ok := b.Files["manifest.json"]
	if !ok {
		return nil, fmt.Errorf("%s: embedded bundle has no manifest.json: run npm run build in %s/web", what, what)
	}
	if err := json.Unmarshal(m.Body, &b.Manifest); err != nil {
		return nil, fmt.Errorf("%s: read manifest.json: %w", what, err)
	}
	for name, file := range b.Manifest {
		if _, ok := b.Files[file]; !ok {
			return nil, fmt.Errorf("%s: manifest names %s as %s, which is not in the bundle", what, name, file)
		}
	}
	return b, nil
}

// newFile gzips and hashes body, the file of path p.
func newFile(p string, body []byte) (*File, error) {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &File{Body: body, gz: gz.Bytes(), contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// With returns a copy of b whose file name is body instead (a page made
// for this server, say); b is unchanged.
func (b *Bundle) With(name string, body []byte) (*Bundle, error) {
	f, err := newFile(name, body)
	if err != nil {
		return nil, err
	}
	c := &Bundle{Files: make(map[string]*File, len(b.Files)), Manifest: b.Manifest}
	for k, v := range b.Files {
		c.Files[k] = v
	}
	c.Files[name] = f
	return c, nil
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "application/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	}
	return mime.TypeByExtension(path.Ext(p))
}

// Serve writes the file name, gzipped when the client accepts it, with
// cacheControl, nosniff and an ETag; a matching If-None-Match gets 304.
// An unknown name is ENotFound.
func (b *Bundle) Serve(c *fiber.Ctx, name, cacheControl string) error {
	f, ok := b.Files[name]
	if !ok || strings.Contains(name, "..") {
		return hub.Errorf(hub.ENotFound, "no such file")
	}
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, f.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(f.gz)
	}
	return c.Send(f.Body)
}
