package table

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"seigarrena.dev/sei/confine"
)

// readDelta reads the table's _delta_log: the commit files
// 00000000000000000000.json onwards; the highest is the current version,
// the metaData action's id the table's uuid. Versions whose commit file
// is gone (after a checkpoint and log clean-up) cannot be travelled to.
func readDelta(repo string, r Ref) (State, error) {
	dir := filepath.Join(repo, filepath.FromSlash(r.Name), "_delta_log")
	if err := confine.NoLinks(repo, r.Name+"/_delta_log"); err != nil {
		return State{}, err
	}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return State{}, fmt.Errorf("%w: %s has no _delta_log", ErrNoTable, r.Name)
	}
	if err != nil {
		return State{}, err
	}
	var versions []int64
	for _, e := range entries {
		n, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || len(n) != 20 || !e.Type().IsRegular() {
			continue
		}
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil || v < 0 {
			continue
		}
		versions = append(versions, v)
	}
	if len(versions) == 0 {
		return State{}, fmt.Errorf("%w: %s/_delta_log holds no commit", ErrNoTable, r.Name)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	s := State{}
	for _, v := range versions {
		s.History = append(s.History, strconv.FormatInt(v, 10))
	}
	last := versions[len(versions)-1]
	s.Snapshot = strconv.FormatInt(last, 10)
	for i := len(versions) - 1; i >= 0 && s.UUID == ""; i-- {
		data, err := confine.ReadRegular(filepath.Join(dir, fmt.Sprintf("%020d.json", versions[i])), maxMetadata)
		if err != nil {
			return State{}, err
		}
		if versions[i] == last {
			sum := sha256.Sum256(data)
			s.MetadataSHA256 = hex.EncodeToString(sum[:])
		}
		id, err := metaDataID(data)
		if err != nil {
			return State{}, fmt.Errorf("%s/_delta_log/%020d.json: %w", r.Name, versions[i], err)
		}
		s.UUID = id
	}
	if s.UUID == "" {
		return State{}, fmt.Errorf("%s/_delta_log: no metaData action in the commits kept (a checkpoint-only log is not read yet)", r.Name)
	}
	return s, nil
}

// metaDataID is the id of a commit's metaData action, "" when it has none.
func metaDataID(data []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), maxMetadata)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var a struct {
			MetaData *struct {
				ID string `json:"id"`
			} `json:"metaData"`
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return "", fmt.Errorf("line %d: %w", line, err)
		}
		if a.MetaData != nil && a.MetaData.ID != "" {
			return a.MetaData.ID, nil
		}
	}
	return "", sc.Err()
}
