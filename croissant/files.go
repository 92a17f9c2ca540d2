// Package croissant reads what sei needs of an MLCommons Croissant
// descriptor: the files it distributes, which are the dataset wherever
// they live in the repository.
package croissant

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Files are the repository paths (or path.Match globs, for a FileSet's
// includes) of the descriptor's distribution, resolved as mlcroissant
// resolves them: relative to the descriptor's own directory. descriptor is
// the file's repository path. A contentUrl that is a URL, absolute, or
// leads out of the repository is not a repository file and is left out.
func Files(data []byte, descriptor string) ([]string, error) {
	var doc struct {
		Distribution []struct {
			ContentURL string `json:"contentUrl"`
			Includes   any    `json:"includes"`
		} `json:"distribution"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", descriptor, err)
	}
	dir := path.Dir(descriptor)
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" || strings.Contains(p, "://") || path.IsAbs(p) {
			return
		}
		q := path.Clean(path.Join(dir, p))
		if q == ".." || strings.HasPrefix(q, "../") || q == "." {
			return
		}
		seen[q] = true
	}
	for _, d := range doc.Distribution {
		add(d.ContentURL)
		switch inc := d.Includes.(type) {
		case string:
			add(inc)
		case []any:
			for _, v := range inc {
				if s, ok := v.(string); ok {
					add(s)
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
