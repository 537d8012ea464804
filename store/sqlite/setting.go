package sqlite

import "context"

// EnsureSetting stores value under key unless the key exists, and returns
// the stored value.
func (q *queries) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := q.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		key, value); err != nil {
		return "", storeErr(err, "setting", "ensure setting %q", key)
	}
	return q.FindSetting(ctx, key)
}

// FindSetting returns the value stored under key, ENotFound if none.
func (q *queries) FindSetting(ctx context.Context, key string) (string, error) {
	var value string
	if err := q.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value); err != nil {
		return "", storeErr(err, "setting", "find setting %q", key)
	}
	return value, nil
}
