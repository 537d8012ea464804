package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// identityClaims are the claims Parley reads from a site's identity token.
type identityClaims struct {
	Subject string `json:"sub"`
	Expires int64  `json:"exp"`
	Email   string `json:"email"`
	Name    string `json:"name"`
}

// maxTokenLife bounds how far ahead an identity token's expiry may be, so a
// leaked token cannot stand in for a password for years.
const maxTokenLife = 30 * 24 * time.Hour

// verifyJWT checks a compact JWT signed HS256 with secret and returns its
// claims. Only HS256 is accepted: "none" and other algorithms are refused.
func verifyJWT(token string, secret []byte, now time.Time) (*identityClaims, error) {
	bad := func(why string) error { return Errorf(EForbidden, "identity token rejected: %s", why) }
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 4096 {
		return nil, bad("not a compact JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &header) != nil {
		return nil, bad("unreadable header")
	}
	if header.Alg != "HS256" {
		return nil, bad("alg must be HS256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, bad("unreadable signature")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, bad("signature does not match the site's identity secret")
	}
	var c identityClaims
	raw, err = base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return nil, bad("unreadable claims")
	}
	switch {
	case c.Subject == "":
		return nil, bad("sub (the external id) is missing")
	case c.Expires == 0:
		return nil, bad("exp is missing")
	case now.Unix() >= c.Expires:
		return nil, bad("expired")
	case time.Unix(c.Expires, 0).Sub(now) > maxTokenLife:
		return nil, bad("exp is more than 30 days ahead")
	}
	return &c, nil
}
