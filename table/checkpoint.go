package table

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
)

// maxCheckpoint bounds a Delta checkpoint file sei opens. Only its footer
// and the metaData.id column are read (a few KiB however many files the
// table has), but a hostile log could name a file of any size.
const maxCheckpoint = 4 << 30

// checkpointTableID is the table id in a classic single-file Delta
// checkpoint (NNNN.checkpoint.parquet): the one non-null metaData.id.
// Only that column's pages are decoded, so the cost stays a few reads
// even for a checkpoint listing a million data files.
func checkpointTableID(p string) (id string, err error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxCheckpoint {
		return "", fmt.Errorf("%s: not a regular file under %d bytes", p, int64(maxCheckpoint))
	}
	// A corrupt file can make the decoder panic; it is an error like any
	// other bad input, never a crash of status.
	defer func() {
		if r := recover(); r != nil {
			id, err = "", fmt.Errorf("%s: unreadable parquet: %v", p, r)
		}
	}()
	pf, err := parquet.OpenFile(f, fi.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	col, ok := pf.Schema().Lookup("metaData", "id")
	if !ok {
		return "", fmt.Errorf("%s: no metaData.id column", p)
	}
	for _, rg := range pf.RowGroups() {
		id, err := columnString(rg.ColumnChunks()[col.ColumnIndex])
		if err != nil || id != "" {
			return id, wrapPath(p, err)
		}
	}
	return "", fmt.Errorf("%s: no metaData action", p)
}

// columnString is the first non-null value of a string column chunk.
func columnString(cc parquet.ColumnChunk) (string, error) {
	pages := cc.Pages()
	defer pages.Close()
	buf := make([]parquet.Value, 64)
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		values := page.Values()
		for {
			n, err := values.ReadValues(buf)
			for _, v := range buf[:n] {
				if !v.IsNull() {
					parquet.Release(page)
					return string(v.ByteArray()), nil
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", err
			}
		}
		parquet.Release(page)
	}
}

func wrapPath(p string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", p, err)
}
