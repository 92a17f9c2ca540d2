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
// NNNN.json and the classic checkpoints NNNN.checkpoint.parquet. The
// highest commit is the current version, the metaData action's id the
// table's uuid (from the newest commit holding one, else the checkpoint).
// A version can be travelled to only while the log reaches it: a
// checkpoint at it, or its commit with the version before reachable, as
// delta-rs replays a log segment; a cleaned-up log expires the rest.
func readDelta(repo string, r Ref) (State, error) {
	dir := filepath.Join(repo, filepath.FromSlash(r.Name), "_delta_log")
	if err := confine.NoLinks(repo, r.Name+"/_delta_log"); err != nil {
		return State{}, err
	}
	log, err := listDeltaLog(dir)
	if os.IsNotExist(err) {
		return State{}, fmt.Errorf("%w: %s has no _delta_log", ErrNoTable, r.Name)
	}
	if err != nil {
		return State{}, err
	}
	s := State{History: log.reachable()}
	if len(log.commits) == 0 || len(s.History) == 0 {
		return State{}, fmt.Errorf("%w: %s/_delta_log holds no readable commit", ErrNoTable, r.Name)
	}
	last := log.commits[len(log.commits)-1]
	s.Snapshot = strconv.FormatInt(last, 10)
	if s.History[len(s.History)-1] != s.Snapshot {
		return State{}, fmt.Errorf("%s/_delta_log: the current version %d is not reachable from a checkpoint or the first commit", r.Name, last)
	}
	if err := log.identify(&s, r.Name); err != nil {
		return State{}, err
	}
	return s, nil
}

// deltaLog is what a _delta_log directory lists: commit and checkpoint
// versions, ascending.
type deltaLog struct {
	dir         string
	commits     []int64
	checkpoints map[int64]bool
}

func listDeltaLog(dir string) (deltaLog, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return deltaLog{}, err
	}
	l := deltaLog{dir: dir, checkpoints: map[int64]bool{}}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			if v, ok := logVersion(n); ok {
				l.commits = append(l.commits, v)
			}
		} else if n, ok := strings.CutSuffix(e.Name(), ".checkpoint.parquet"); ok {
			if v, ok := logVersion(n); ok {
				l.checkpoints[v] = true
			}
		}
	}
	sort.Slice(l.commits, func(i, j int) bool { return l.commits[i] < l.commits[j] })
	return l, nil
}

// logVersion parses a log file's 20-digit version.
func logVersion(n string) (int64, bool) {
	if len(n) != 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil && v >= 0
}

// reachable lists the versions time travel can reach, ascending: a
// checkpoint's, and each commit whose previous version is reachable
// (version 0 needs none).
func (l deltaLog) reachable() []string {
	versions := append([]int64(nil), l.commits...)
	for v := range l.checkpoints {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	var out []string
	prev := int64(-1) // the last reachable version
	for i, v := range versions {
		if i > 0 && v == versions[i-1] {
			continue
		}
		if l.checkpoints[v] || prev == v-1 {
			out = append(out, strconv.FormatInt(v, 10))
			prev = v
		}
	}
	return out
}

// identify sets s's metadata digest (the current commit file's SHA-256)
// and uuid: the metaData id of the newest commit holding one, going back
// while the log is contiguous, else of the checkpoint the segment starts
// from. Commits are read first: a JSON line is cheaper than a parquet file.
func (l deltaLog) identify(s *State, name string) error {
	for i := len(l.commits) - 1; i >= 0; i-- {
		v := l.commits[i]
		data, err := confine.ReadRegular(filepath.Join(l.dir, fmt.Sprintf("%020d.json", v)), maxMetadata)
		if err != nil {
			return err
		}
		if i == len(l.commits)-1 {
			sum := sha256.Sum256(data)
			s.MetadataSHA256 = hex.EncodeToString(sum[:])
		}
		id, err := metaDataID(data)
		if err != nil {
			return fmt.Errorf("%s/_delta_log/%020d.json: %w", name, v, err)
		}
		switch {
		case id != "":
			s.UUID = id
			return nil
		case l.checkpoints[v]:
			return l.checkpointID(s, name, v)
		case l.checkpoints[v-1]:
			return l.checkpointID(s, name, v-1)
		case i == 0 || l.commits[i-1] != v-1:
			return fmt.Errorf("%s/_delta_log: no metaData action in the log kept before version %d", name, v)
		}
	}
	return fmt.Errorf("%s/_delta_log: no metaData action in the commits or checkpoints kept", name)
}

func (l deltaLog) checkpointID(s *State, name string, v int64) error {
	id, err := checkpointTableID(filepath.Join(l.dir, fmt.Sprintf("%020d.checkpoint.parquet", v)))
	if err != nil {
		return fmt.Errorf("%s/_delta_log: checkpoint %d: %w", name, v, err)
	}
	s.UUID = id
	return nil
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
