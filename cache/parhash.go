package cache

import (
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"lukechampine.com/blake3/guts"
)

// A large file's BLAKE3 is computed on several cores. BLAKE3 is a tree:
// every aligned run of 2^k chunks that lies wholly inside the input (and
// is not the whole input) is a subtree, so its chaining value can be
// computed apart and the tree's top joined afterwards. zeebo/blake3 (the
// hasher everywhere else) keeps its chaining values private; the tree
// primitives of lukechampine.com/blake3/guts are exported, so this file
// uses them. The digest is the same BLAKE3 (tested against zeebo/blake3
// and b3sum at every boundary size); only the speed differs: a stage's
// 2 GiB output read once after the stage was 0.6 s on one core here, which
// is what kept `sei build` above 1.3× the command alone.

// parBlock is the span each worker hashes at a time: a power of two
// chunks (so each block is a subtree), large enough that joining blocks is
// negligible (512 joins for 2 GiB) and small enough for an even split.
const parBlock = 4 << 20

// parMin is where parallel hashing starts to pay: below it the goroutines
// and the second buffer cost more than they save.
const parMin = 4 * parBlock

// hashAt returns the BLAKE3 of r's first size bytes, read by positioned
// reads on up to workers goroutines. r must not change while it is read;
// a short read is an error (the file shrank), never a digest.
func hashAt(r io.ReaderAt, size int64, workers int) (Digest, error) {
	if size < parMin || workers < 2 {
		d, n, err := hashReader(io.NewSectionReader(r, 0, size))
		if err == nil && n != size {
			err = fmt.Errorf("read %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
		return d, err
	}
	leaves, err := hashLeaves(r, size, workers)
	if err != nil {
		return Digest{}, err
	}
	n := joinLeaves(leaves, 0, size)
	n.Flags |= guts.FlagRoot
	words := guts.CompressNode(n)
	var d Digest
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint32(d[4*i:], words[i])
	}
	return d, nil
}

// hashLeaves returns the subtree node of every parBlock-sized block of the
// input, the last one possibly shorter, hashed by workers in parallel.
func hashLeaves(r io.ReaderAt, size int64, workers int) ([]guts.Node, error) {
	leaves := make([]guts.Node, (size+parBlock-1)/parBlock)
	workers = min(workers, len(leaves))
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, parBlock)
			for i := next.Add(1) - 1; i < int64(len(leaves)); i = next.Add(1) - 1 {
				off := i * parBlock
				b := buf[:min(parBlock, size-off)]
				if _, err := r.ReadAt(b, off); err != nil {
					errs[w] = fmt.Errorf("read at %d: %w", off, err)
					next.Store(int64(len(leaves))) // stop the others too
					return
				}
				leaves[i] = subtree(b, uint64(off/guts.ChunkSize))
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return leaves, nil
}

// joinLeaves is the node of the subtree spanning n bytes from off, built
// from the block nodes as BLAKE3 splits a tree: the left part is the
// largest power of two chunks that leaves at least one byte to the right.
// Every split above one block lands on a block boundary, since blocks are
// a power of two chunks.
func joinLeaves(leaves []guts.Node, off, n int64) guts.Node {
	if n <= parBlock {
		return leaves[off/parBlock]
	}
	left := leftLen(n)
	l := joinLeaves(leaves, off, left)
	r := joinLeaves(leaves, off+left, n-left)
	return guts.ParentNode(guts.ChainingValue(l), guts.ChainingValue(r), &guts.IV, 0)
}

// subtree is the node of buf's subtree, its first chunk numbered counter.
func subtree(buf []byte, counter uint64) guts.Node {
	const span = guts.MaxSIMD * guts.ChunkSize
	if len(buf) == span {
		return guts.CompressBuffer((*[span]byte)(buf), span, &guts.IV, counter, 0)
	}
	if len(buf) < span {
		var b [span]byte
		copy(b[:], buf)
		return guts.CompressBuffer(&b, len(buf), &guts.IV, counter, 0)
	}
	left := leftLen(int64(len(buf)))
	l := subtree(buf[:left], counter)
	r := subtree(buf[left:], counter+uint64(left/guts.ChunkSize))
	return guts.ParentNode(guts.ChainingValue(l), guts.ChainingValue(r), &guts.IV, 0)
}

// leftLen is the size of the left subtree of n > 1024 bytes: the largest
// power of two chunks strictly below n.
func leftLen(n int64) int64 {
	l := int64(guts.ChunkSize)
	for 2*l < n {
		l *= 2
	}
	return l
}

// hashWorkers is how many goroutines hash one large file: every core, as
// the file is the one thing left to wait for.
func hashWorkers() int { return runtime.GOMAXPROCS(0) }
