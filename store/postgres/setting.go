package postgres

import "context"

// EnsureSetting stores value under key unless the key exists, and returns
// the stored value. Concurrent callers all get the first committed value.
func (q *queries) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := q.q.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		key, value); err != nil {
		return "", storeErr(err, "setting", "ensure setting %q", key)
	}
	return q.FindSetting(ctx, key)
}

// FindSetting returns the value stored under key, ENotFound if none.
func (q *queries) FindSetting(ctx context.Context, key string) (string, error) {
	var value string
	if err := q.q.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value); err != nil {
		return "", storeErr(err, "setting", "find setting %q", key)
	}
	return value, nil
}
