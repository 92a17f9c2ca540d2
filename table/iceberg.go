package table

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go driver sei's cache uses

	"seigarrena.dev/sei/confine"
)

// readIceberg follows pyiceberg's SQL catalog: the iceberg_tables row of
// namespace.table gives metadata_location, a metadata JSON whose
// current-snapshot-id and snapshots are the state.
func readIceberg(repo string, r Ref) (State, error) {
	ns, name, ok := cutLast(r.Name, ".")
	if !ok {
		return State{}, fmt.Errorf("want namespace.table, got %q", r.Name)
	}
	cat := filepath.Join(repo, filepath.FromSlash(r.Catalog))
	if err := confine.NoLinks(repo, r.Catalog); err != nil {
		return State{}, fmt.Errorf("catalog: %w", err)
	}
	if fi, err := os.Stat(cat); err != nil {
		return State{}, fmt.Errorf("catalog %s: %w", r.Catalog, err)
	} else if !fi.Mode().IsRegular() {
		return State{}, fmt.Errorf("catalog %s is not a regular file", r.Catalog)
	} else if strings.ContainsAny(cat, "?#") {
		return State{}, fmt.Errorf("catalog %s: a path with ? or # cannot be opened as an SQLite file name", r.Catalog)
	}
	loc, err := metadataLocation(cat, ns, name)
	if err != nil {
		return State{}, err
	}
	p, err := inRepo(repo, loc)
	if err != nil {
		return State{}, err
	}
	data, err := confine.ReadRegular(p, maxMetadata)
	if err != nil {
		return State{}, fmt.Errorf("metadata %s: %w", loc, err)
	}
	var md struct {
		UUID      string       `json:"table-uuid"`
		Current   *json.Number `json:"current-snapshot-id"`
		Snapshots []struct {
			ID json.Number `json:"snapshot-id"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		return State{}, fmt.Errorf("metadata %s: %w", loc, err)
	}
	if md.UUID == "" {
		return State{}, fmt.Errorf("metadata %s has no table-uuid", loc)
	}
	sum := sha256.Sum256(data)
	s := State{UUID: md.UUID, MetadataSHA256: hex.EncodeToString(sum[:])}
	for _, sn := range md.Snapshots {
		s.History = append(s.History, sn.ID.String())
	}
	if md.Current != nil && md.Current.String() != "-1" {
		s.Snapshot = md.Current.String()
		if !s.Has(s.Snapshot) {
			return State{}, fmt.Errorf("metadata %s: current snapshot %s is not among its snapshots", loc, s.Snapshot)
		}
	}
	return s, nil
}

// metadataLocation reads the catalog row, read-only.
func metadataLocation(cat, ns, name string) (string, error) {
	db, err := sql.Open("sqlite", "file:"+cat+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT catalog_name, metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?`, ns, name)
	if err != nil {
		return "", fmt.Errorf("catalog: %w", err)
	}
	defer rows.Close()
	var locs []string
	for rows.Next() {
		var catName string
		var loc sql.NullString
		if err := rows.Scan(&catName, &loc); err != nil {
			return "", err
		}
		if loc.Valid {
			locs = append(locs, loc.String)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch len(locs) {
	case 0:
		return "", fmt.Errorf("%w %s.%s in the catalog", ErrNoTable, ns, name)
	case 1:
		return locs[0], nil
	}
	return "", fmt.Errorf("%d catalogs in the file name %s.%s; one catalog per file", len(locs), ns, name)
}

// localPath turns a file: URI (pyiceberg writes file:///abs/...) or a
// plain path into a local path; any other scheme is not a local table.
func localPath(loc string) (string, error) {
	if !strings.Contains(loc, "://") {
		return loc, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("metadata location %q: %w", loc, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("metadata location %q: only local (file:) warehouses are read", loc)
	}
	return u.Path, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// inRepo is the metadata location as a local path inside the repository,
// through no symlink. The catalog row is input like any file: one naming
// /etc/shadow would otherwise have sei read it and sign its digest into
// the evidence.
func inRepo(repo, loc string) (string, error) {
	p, err := localPath(loc)
	if err != nil {
		return "", err
	}
	root, err := filepath.Abs(repo)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, filepath.Clean(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || !filepath.IsAbs(p) {
		return "", fmt.Errorf("metadata location %q is not inside the repository: sei reads local warehouses in it", loc)
	}
	if err := confine.NoLinks(root, filepath.ToSlash(rel)); err != nil {
		return "", fmt.Errorf("metadata location %q: %w", loc, err)
	}
	return p, nil
}
